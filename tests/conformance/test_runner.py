"""`python3 tasks.py conformance` (`python -m orchestrator.conformance`): its arguments and refusals. Nothing here
reaches Google: a live run is only ever refused or built, never sent (the package's conftest keeps every name but
loopback from resolving)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from orchestrator.conformance import CHECKS, TokenLeak, live_target
from orchestrator.conformance.runner import main
from orchestrator.conformance.target import GOOGLE_HOSTS, GOOGLE_TOKEN_URI

AUTHORIZED_USER = {"type": "authorized_user", "client_id": "123-abc.apps.googleusercontent.com",
                   "client_secret": "not-a-secret", "refresh_token": "1//not-a-token"}


def _file(tmp_path: Path, content: Any, name: str = "creds.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err


def test_live_without_credentials_or_spreadsheet_is_a_usage_error(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["--live"], capsys)
    assert "--live needs --credentials FILE" in err and "--spreadsheet-id ID" in err
    err = _refused(["--live", "--spreadsheet-id", "1abc"], capsys)
    assert "--live needs --credentials FILE" in err
    err = _refused(["--live", "--credentials", str(_file(tmp_path, AUTHORIZED_USER))], capsys)
    assert "--spreadsheet-id ID" in err and "never production" in err


@pytest.mark.parametrize("content,said", [
    ({"installed": {"client_id": "x", "client_secret": "y"}}, "OAuth client secret"),
    ({"type": "external_account", "audience": "x"}, "service-account identity"),
    ({"type": "authorized_user", "client_id": "x"}, "not a complete authorized-user JSON"),
    ("not json at all", "is not JSON"),
    (["a", "list"], "not an object"),
], ids=["client-secret", "workload-identity", "incomplete", "not-json", "list"])
def test_a_credentials_file_that_is_not_an_authorized_user_json_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: Any, said: str) -> None:
    err = _refused(["--live", "--credentials", str(_file(tmp_path, content)), "--spreadsheet-id", "1abc"], capsys)
    assert said in err and "authorized-user JSON" in err


def test_a_missing_credentials_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["--live", "--credentials", str(tmp_path / "nope.json"), "--spreadsheet-id", "1abc"], capsys)
    assert "does not exist" in err


def test_credentials_minted_by_the_emulator_are_refused_for_a_live_run(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    minted = {**AUTHORIZED_USER, "token_uri": "http://127.0.0.1:1/token"}
    err = _refused(["--live", "--credentials", str(_file(tmp_path, minted)), "--spreadsheet-id", "1abc"], capsys)
    assert "token endpoint" in err and GOOGLE_TOKEN_URI in err


def test_a_script_id_given_as_deployment_id_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["--live", "--credentials", str(_file(tmp_path, AUTHORIZED_USER)), "--spreadsheet-id", "1abc",
                    "--deployment-id", "1AbCdEfScriptId"], capsys)
    assert "does not look like a deployment id" in err and "AKfycb" in err


def test_live_only_options_without_live_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["--credentials", str(_file(tmp_path, AUTHORIZED_USER))], capsys)
    assert "--credentials only go with --live" in err
    err = _refused(["--spreadsheet-id", "1abc", "--deployment-id", "AKfycbX"], capsys)
    assert "--spreadsheet-id, --deployment-id only go with --live" in err


def test_an_unknown_check_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such check: values.nope" in _refused(["--check", "values.nope"], capsys)


def test_list_shows_every_check_with_its_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    for chosen in CHECKS:
        assert f"{chosen.name}\n" in out and all(f"source: {s}" in out for s in chosen.sources)


def test_a_live_target_sends_the_token_only_to_googles_hosts(tmp_path: Path) -> None:
    target = live_target(_file(tmp_path, AUTHORIZED_USER), "1abc", "AKfycbX")  # builds; sends nothing
    assert (target.kind, target.sheets_url, target.drive_url, target.script_url) == (
        "google", "https://sheets.googleapis.com", "https://www.googleapis.com/drive/v3",
        "https://script.googleapis.com")
    assert target.session.policy is GOOGLE_HOSTS and target.anonymous.policy is GOOGLE_HOSTS
    for url in ("http://127.0.0.1:8080/v4/spreadsheets/1abc", "http://sheets.googleapis.com/v4/spreadsheets/1abc",
                "https://sheets.googleapis.com.evil.example/v4/", "https://sheets.googleapis.com:8443/v4/",
                "https://user@sheets.googleapis.com/v4/", "https://oauth2.googleapis.com/token"):
        with pytest.raises(TokenLeak):
            target.session.request("GET", url)
    assert target.narrowed is not None
    narrow = target.narrowed(["https://www.googleapis.com/auth/spreadsheets"])
    assert narrow.policy is GOOGLE_HOSTS
    with pytest.raises(TokenLeak):
        narrow.request("POST", "http://127.0.0.1:1/v1/scripts/x:run")
    target.close()


def test_without_live_it_runs_on_its_own_emulator(tmp_path: Path) -> None:
    report, out = tmp_path / "out" / "conformance.json", io.StringIO()
    name = "values.read_starting_past_grid_is_refused"
    assert main(["--check", name, "--report", str(report)], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("conformance: 1 checks against the emulator at http://127.0.0.1:")
    assert lines[1] == f"PASS  {name}" and lines[2].startswith("conformance: 1 passed, 0 failed, 0 skipped")
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["target"] == "emulator" and written["spreadsheetTitle"] == "zeues conformance scratch"
    assert [(c["name"], c["status"]) for c in written["checks"]] == [(name, "PASS")]
