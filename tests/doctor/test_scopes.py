"""The scope comparison of `doctor`, on fake credentials objects that hold fewer scopes; the last test runs the
whole report against the emulator, which checks every token's scopes, with a real emulator token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.oauth2 import credentials as user_credentials

from orchestrator.cli.doctor import Check, check_credentials, check_scopes, diagnose, exit_code, needed_scopes
from orchestrator.codegen import BRIDGE_DIR
from orchestrator.config import load_config
from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from orchestrator.google.auth import LoadedCredentials, load_credentials_file
from orchestrator.google.scopes import DRIVE_READONLY, REQUIRED_SCOPES, SCRIPT_CONTAINER_UI, SPREADSHEETS


def fake_user(scopes: list[str] | None, granted: list[str] | None = None) -> LoadedCredentials:
    """A user token that is valid as it is (no expiry: never refreshed, so nothing calls Google)."""
    creds = user_credentials.Credentials(token="fake-access-token", scopes=scopes)  # type: ignore[no-untyped-call]
    if granted is not None:
        creds._granted_scopes = granted  # what google-auth records from the token endpoint's answer
    return LoadedCredentials(creds, "user", "a fake credentials object")


def test_needed_scopes_are_the_manifests_plus_the_orchestrators() -> None:
    manifest = json.loads((BRIDGE_DIR / "appsscript.json").read_text(encoding="utf-8"))["oauthScopes"]
    assert set(needed_scopes()) == set(manifest) | set(REQUIRED_SCOPES)
    assert DRIVE_READONLY in needed_scopes()


def test_a_token_with_every_scope_is_ok() -> None:
    line = check_scopes(fake_user(list(REQUIRED_SCOPES)), bridge_answered=True)
    assert line.status == "ok" and f"all {len(needed_scopes())} needed scopes" in line.detail


def test_a_token_missing_scopes_fails_with_the_command_that_makes_a_new_one() -> None:
    line = check_scopes(fake_user([SPREADSHEETS]), bridge_answered=False)
    assert line.status == "fail" and line.exit_code == ExitCode.USAGE
    assert SCRIPT_CONTAINER_UI in line.detail and DRIVE_READONLY in line.detail
    assert SPREADSHEETS not in line.detail.split("lacks", 1)[1].split("(needed")[0]
    assert "zeues-migrate login --client-secrets CLIENT_SECRET.json --force" in line.fix
    assert ", ".join(REQUIRED_SCOPES) in line.fix


def test_granted_scopes_win_over_the_requested_ones() -> None:
    # The file asked for everything, Google granted less (a user unticked a box on the consent screen).
    line = check_scopes(fake_user(list(REQUIRED_SCOPES), granted=[SPREADSHEETS, SCRIPT_CONTAINER_UI]), True)
    assert line.status == "fail" and DRIVE_READONLY in line.detail


def test_a_token_that_does_not_list_its_scopes_is_judged_by_the_bridge_call() -> None:
    assert "scripts.run answered" in check_scopes(fake_user(None), bridge_answered=True).detail
    unknown = check_scopes(fake_user(None), bridge_answered=False)
    assert unknown.status == "ok" and "insufficient authentication scopes" in unknown.detail


def test_without_credentials_the_scopes_are_not_checked() -> None:
    assert check_scopes(None, bridge_answered=False).status == "skip"


def test_service_account_credentials_are_refused_for_the_bridge(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({"type": "service_account", "project_id": "p", "private_key_id": "k",
                                "private_key": key, "client_email": "ci@p.iam.gserviceaccount.com",
                                "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    config = load_config({"credentials": str(path)}, {}, tmp_path, require=())
    line, loaded = check_credentials(config)
    assert loaded is not None and loaded.kind == "service_account"
    assert line.status == "fail" and "service account" in line.detail and "Desktop OAuth client" in line.fix
    assert check_scopes(loaded, bridge_answered=False).status == "skip"


def test_a_client_secret_instead_of_a_token_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "y"}}))
    line, loaded = check_credentials(load_config({"credentials": str(path)}, {}, tmp_path, require=()))
    assert loaded is None and line.status == "fail" and "OAuth client secret" in line.detail


def test_the_doctor_line_of_a_token_with_fewer_scopes_against_the_emulator(emulator: Emulator,
                                                                           workbook: dict[str, Any],
                                                                           tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    short = emulator.credentials_file(tmp_path / "short.json", scopes=[SPREADSHEETS])
    config = load_config({"endpoint": emulator.url, "deployment_id": emulator.deployment_id, "spreadsheet_id": sid,
                          "reads_per_minute": 0, "checkpoint_dir": str(tmp_path / "cp"), "credentials": str(short)},
                         {}, tmp_path)
    loaded = load_credentials_file(short)
    checks = diagnose(config, loaded, Check(check="credentials", status="ok", ok=True, detail=loaded.source))
    by_name = {c.check: c for c in checks}
    assert [c.check for c in checks if c.status == "fail"] == ["scopes", "bridge deployment"]
    # scripts.run refused the token as Google does: it lacks scopes of the bridge's manifest.
    assert "Authorization is required to perform that action" in by_name["bridge deployment"].detail
    assert "every scope the bridge's manifest" in by_name["bridge deployment"].detail
    assert exit_code(checks) == ExitCode.USAGE
