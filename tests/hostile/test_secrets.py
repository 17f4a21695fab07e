"""Secrets kept (issue 12, finding 10): a Google token goes only to Google over https or, with an explicit switch
and a warning, elsewhere; never over plain http to another machine. Files that hold the sheet's cells are 0600
in 0700 folders. The failpoints of the test suite do nothing in a CLI the suite did not start.

The endpoint tests point the real CLI at a recorder on 127.0.0.1 (a real socket): it answers every request
with a 503 and keeps the Authorization header it was sent, so "the token was not sent" is observed, not assumed.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.hostile.conftest import Fingerprint, refused
from tests.support.cli import Cli
from tests.support.tokens import FAKE_TOKEN, token_file


class Recorder(ThreadingHTTPServer):
    seen: list[str]  # the Authorization header of every request, "" when there was none


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def _answer(self) -> None:
        self.server.seen.append(self.headers.get("Authorization", ""))
        body = json.dumps({"error": {"code": 503, "message": "recorder", "status": "UNAVAILABLE"}}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder(("127.0.0.1", 0), _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: Recorder) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def toml_with_a_google_token(tmp_path: Path) -> Path:
    """The operator's folder: zeues-migrate.toml naming a real (Google) token file, as for production."""
    token = token_file(tmp_path / "google-token.json")  # no token_uri: google-auth refreshes at Google's
    (tmp_path / "zeues-migrate.toml").write_text(
        f'spreadsheet_id = "1Production"\ndeployment_id = "AKfycbProduction"\ncredentials = "{token.name}"\n',
        encoding="utf-8")
    return token


def test_a_google_token_is_not_sent_to_an_exported_emulator_endpoint(cli: Cli, recorder: Recorder,
                                                                     toml_with_a_google_token: Path) -> None:
    """Finding 10: the emulator guide's `export ZEUES_GOOGLE_ENDPOINT=...` in a folder whose toml holds the real
    token. The token must not reach the endpoint, and the refusal names the switch."""
    cli.env["ZEUES_GOOGLE_ENDPOINT"] = _url(recorder)
    for verb in (["status"], ["apply", "--execute", "--yes"]):
        run = cli(*verb, connect=False)
        refused(run, ExitCode.USAGE, "CONFIG_INVALID", "--allow-foreign-endpoint", "ZEUES_GOOGLE_ENDPOINT",
                str(toml_with_a_google_token), "not Google's")
    assert recorder.seen == [], "the Google token reached the endpoint"


def test_the_switch_sends_it_with_a_warning(cli: Cli, recorder: Recorder, toml_with_a_google_token: Path) -> None:
    cli.env["ZEUES_GOOGLE_ENDPOINT"] = _url(recorder)
    by_flag = cli("status", "--read-attempts", "1", "--allow-foreign-endpoint", connect=False)
    cli.env["ZEUES_ALLOW_FOREIGN_ENDPOINT"] = "1"
    by_env = cli("status", "--read-attempts", "1", connect=False)
    for run in (by_flag, by_env):
        assert run.code == ExitCode.GOOGLE_UNAVAILABLE, (run.code, run.stderr[-2000:])  # the recorder's 503
        assert "warning: sending a Google token" in run.stderr and _url(recorder) in run.stderr
    assert len(recorder.seen) == 2 and set(recorder.seen) == {f"Bearer {FAKE_TOKEN}"}


@pytest.mark.parametrize("endpoint", ["http://sheets.example.net", "http://10.0.0.7:8080"])
def test_plain_http_to_another_machine_is_refused_even_with_the_switch(cli: Cli, endpoint: str,
                                                                        toml_with_a_google_token: Path) -> None:
    for extra in ([], ["--allow-foreign-endpoint"]):
        run = cli("status", "--endpoint", endpoint, *extra, connect=False)
        refused(run, ExitCode.USAGE, "CONFIG_INVALID", "plain http", endpoint, "--allow-foreign-endpoint does not")


def test_the_emulators_own_token_needs_no_switch(cli: Cli, new_sheet: Callable[..., str]) -> None:
    run = cli("status", sid=new_sheet())
    assert run.code == ExitCode.OK, (run.code, run.stderr[-2000:])
    assert "warning" not in run.stderr


def test_an_emulator_token_to_another_machine_needs_the_switch(cli: Cli, tmp_path: Path) -> None:
    """Even a token minted on this machine goes nowhere but Google and this machine without the switch."""
    run = cli("status", "--endpoint", "https://zeues-emulator.example.net", "--spreadsheet-id", "S",
              "--deployment-id", "AKfycbX", "--credentials", str(cli.emulator.credentials_file(tmp_path / "t.json")),
              connect=False)
    refused(run, ExitCode.USAGE, "CONFIG_INVALID", "--allow-foreign-endpoint", "a token minted on this machine")


# -- files holding the sheet's cells -----------------------------------------------------------------------------


def _modes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): oct(stat.S_IMODE(p.stat().st_mode)) for p in [root, *root.rglob("*")]}


def test_checkpoints_and_snapshot_spill_files_are_private(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    # A run folder an earlier version made world-readable is the tool's: it is tightened.
    (cli.checkpoints / sid).mkdir(parents=True, mode=0o755)
    os.chmod(cli.checkpoints / sid, 0o755)
    os.chmod(cli.checkpoints, 0o755)  # the folder the operator named: left as it is
    run = cli("apply", "--execute", "--yes", sid=sid)
    assert run.code == 0, (run.code, run.stderr[-2000:])
    modes = _modes(cli.checkpoints)
    spills = [p for p in cli.checkpoints.rglob("*.jsonl")]
    assert spills, f"no snapshot spill file in {modes}"
    assert any(p.name.endswith(".json") for p in cli.checkpoints.rglob("*.json")), modes
    assert modes.pop(".") == "0o755"
    wrong = {name: mode for name, mode in modes.items()
             if mode != ("0o700" if (cli.checkpoints / name).is_dir() else "0o600")}
    assert wrong == {}, wrong


def test_a_dump_and_its_new_folder_are_private(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    output = tmp_path / "dumps" / "prod" / "dump.json"
    run = cli("dump", "-o", str(output), sid=new_sheet())
    assert run.code == 0, (run.code, run.stderr[-2000:])
    assert _modes(tmp_path / "dumps") == {".": "0o700", "prod": "0o700", "prod/dump.json": "0o600"}


# -- failpoints ----------------------------------------------------------------------------------------------


def test_the_cli_outside_the_test_suite_ignores_zeues_failpoints(cli: Cli, new_sheet: Callable[..., str],
                                                                 observe: Fingerprint) -> None:
    """Without the suite's sitecustomize (tests/support/offline) on PYTHONPATH, ZEUES_FAILPOINTS is an ordinary
    variable: nobody can SIGKILL an operator's run by setting it."""
    sid = new_sheet()
    cmd, env = cli._command("apply", ("--execute", "--yes"), sid, None, None, "after:snapshot", True, True)
    env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    assert env["ZEUES_FAILPOINTS"] == "after:snapshot"
    done = subprocess.run(cmd, cwd=cli.cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert json.loads(done.stdout)["result"]["runs"][0]["status"] == "applied"
