"""The frame around every verb (issue 14, items 2, 7 and 8): `--version`, global options before the verb, usage
errors as the JSON document, an endpoint that is down failing at once, retries said on stderr, and Ctrl-C.

The real CLI as a subprocess against the session's emulator; Ctrl-C is the terminal's, under a pseudo-terminal
(pexpect `sendintr`: the interrupt character, so the kernel signals the foreground process as a shell would).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pexpect
import pytest

from orchestrator.contract.bridge_build import BRIDGE_BUILD_HASH
from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.support.cli import OFFLINE, ZEUES, Cli

HELD_MS = 4000  # each held batchUpdate of the bridge: long enough to press Ctrl-C inside the apply call
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def no_faults_left(emulator: Emulator) -> Iterator[None]:
    emulator.reset()
    yield
    emulator.reset()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE), env.get("PYTHONPATH", "")) if p)
    return env


def _run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ZEUES, *args], cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def _connection(cli: Cli, sid: str) -> list[str]:
    emulator = cli.emulator
    return ["--endpoint", emulator.url, "--deployment-id", emulator.deployment_id, "--reads-per-minute", "0",
            "--checkpoint-dir", str(cli.checkpoints), "--credentials", str(emulator.credentials_file()),
            "--spreadsheet-id", sid]


# -- --version -------------------------------------------------------------------------------------------------

def test_version_prints_the_package_version_and_the_bridge_build_hash(tmp_path: Path) -> None:
    done = _run(["--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"zeues-migrate {version('zeues-migrate')} (bridge 0.1.0, build "
                                   f"{BRIDGE_BUILD_HASH})"), done.stdout
    as_json = _run(["--json", "--version"], tmp_path)
    doc = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and doc["ok"] is True and doc["exitCode"] == 0
    assert doc["result"] == {"version": version("zeues-migrate"), "bridgeVersion": "0.1.0",
                             "bridgeBuildHash": BRIDGE_BUILD_HASH}


# -- global options ----------------------------------------------------------------------------------------------

def test_options_before_the_verb_work_as_after_it(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet()
    connection = _connection(cli, sid)
    after = _run(["status", *connection, "--json"], tmp_path)
    before = _run(["--json", *connection, "status"], tmp_path)
    assert after.returncode == before.returncode == 0, (after.stderr, before.stderr)
    assert json.loads(before.stdout)["result"] == json.loads(after.stdout)["result"]

    # --config before the verb, the file elsewhere than the current directory.
    config = tmp_path / "elsewhere" / "f.toml"
    config.parent.mkdir()
    values = dict(zip(connection[::2], connection[1::2]))
    config.write_text("\n".join([
        f'endpoint = "{values["--endpoint"]}"', f'deployment_id = "{values["--deployment-id"]}"',
        f'credentials = "{values["--credentials"]}"', f'spreadsheet_id = "{sid}"', "reads_per_minute = 0",
        f'checkpoint_dir = "{values["--checkpoint-dir"]}"']) + "\n")
    from_file = _run(["--config", str(config), "status", "--json"], tmp_path)
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["result"] == json.loads(after.stdout)["result"]


def test_given_before_and_after_the_verb_the_one_after_wins(cli: Cli, new_sheet: Callable[..., str],
                                                            tmp_path: Path) -> None:
    sid = new_sheet()
    wins = _run(["--spreadsheet-id", "1NoSuchSpreadsheet", "--json", "status", *_connection(cli, sid)], tmp_path)
    assert wins.returncode == 0, wins.stdout + wins.stderr
    loses = _run(["--spreadsheet-id", sid, "--json", "status", *_connection(cli, "1NoSuchSpreadsheet")], tmp_path)
    assert loses.returncode == ExitCode.USAGE and "1NoSuchSpreadsheet" in json.loads(loses.stdout)["error"]["message"]


def test_an_option_before_a_verb_that_does_not_take_it_is_a_usage_error(tmp_path: Path) -> None:
    done = _run(["--spreadsheet-id", "1abc", "workbook", "--spools", "1", "-o", str(tmp_path / "w.json")], tmp_path)
    assert done.returncode == ExitCode.USAGE
    assert "--spreadsheet-id does not apply to `workbook`" in done.stderr
    assert not (tmp_path / "w.json").exists()


# -- usage errors under --json ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "command", "said"), [
    (["--json", "status", "--bogus"], "status", "No such option '--bogus'"),
    (["status", "--bogus", "--json"], "status", "No such option '--bogus'"),
    (["status", "--json", "--read-attempts"], "status", "'--read-attempts' requires an argument"),
    (["--json", "restore"], "restore", "Missing argument"),
    (["--json", "no-such-verb"], None, "No such command 'no-such-verb'"),
    (["--json", "--bogus", "status"], None, "No such option '--bogus'"),
])
def test_a_usage_error_under_json_is_the_json_document(tmp_path: Path, args: list[str], command: str | None,
                                                       said: str) -> None:
    done = _run(args, tmp_path)
    assert done.returncode == ExitCode.USAGE, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    assert (doc["command"], doc["ok"], doc["exitCode"], doc["result"]) == (command, False, 2, None)
    assert doc["error"]["code"] == "USAGE" and said in doc["error"]["message"], doc


def test_a_usage_error_without_json_is_clicks_usual_text(tmp_path: Path) -> None:
    done = _run(["status", "--bogus"], tmp_path)
    assert done.returncode == ExitCode.USAGE and done.stdout == ""
    assert "Usage: zeues-migrate status" in done.stderr and "No such option '--bogus'" in done.stderr


# -- the endpoint down, Google slow --------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("verb", [["status"], ["apply"], ["hold", "--reason", "month-end"]],
                         ids=["status-reads-first", "apply", "hold-calls-the-bridge-first"])
def test_an_endpoint_that_is_down_fails_at_once_and_says_how_to_start_the_emulator(
        emulator: Emulator, tmp_path: Path, verb: list[str]) -> None:
    down = f"http://127.0.0.1:{_free_port()}"  # nothing listens there: the emulator is not running
    started = time.monotonic()
    done = _run([*verb, "--endpoint", down, "--deployment-id", emulator.deployment_id, "--spreadsheet-id", "1abc",
                 "--credentials", str(emulator.credentials_file()), "--json"], tmp_path)
    elapsed = time.monotonic() - started
    print(f"{verb[0]} against {down}: exit {done.returncode} in {elapsed:.2f} s")
    assert elapsed < 5, elapsed
    doc = json.loads(done.stdout)
    assert done.returncode == ExitCode.GOOGLE_UNAVAILABLE == doc["exitCode"]
    message = doc["error"]["message"]
    assert f"nothing is listening at {down} (connection refused)" in message, message
    assert "python -m orchestrator.emulator --data emulator-data" in message, message
    assert "retrying" not in done.stderr


def test_each_retry_of_a_slow_google_is_said_on_stderr_not_on_stdout(cli: Cli, new_sheet: Callable[..., str],
                                                                     tmp_path: Path) -> None:
    sid = new_sheet()
    cli.emulator.fault(path=r"^/v4/spreadsheets/[^/:?]+\?.*ranges=", status=503, count=2)  # the state's rows
    done = _run(["status", *_connection(cli, sid), "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)  # stdout is the document alone
    said = [line for line in done.stderr.splitlines() if "retrying" in line]
    assert len(said) == 2, done.stderr
    for n, line in enumerate(said, start=1):
        assert re.fullmatch(rf"zeues-migrate: retrying sheets\.spreadsheets\.get in \d+\.\d s "
                            rf"\(retry {n} of 7; reads are safe to repeat\): Google answered 503 \(server error\)",
                            line), line


# -- Ctrl-C ----------------------------------------------------------------------------------------------------

def _held_apply(cli: Cli, sid: str, tmp_path: Path, as_json: bool) -> tuple[pexpect.spawn, list[str], Path]:
    """`apply --execute --yes` on a terminal, held inside its bridge apply call (the backup made and verified,
    the bridge's batch waiting on a latency fault under the lock)."""
    args = ["apply", "--execute", "--yes", *_connection(cli, sid)] + (["--json"] if as_json else [])
    stderr = tmp_path / "stderr.txt"
    # Under --json, stderr goes to a file so the terminal shows the document alone; exec keeps the CLI the
    # terminal's foreground process, which the interrupt character signals.
    command = f"exec {shlex.join([ZEUES, *args])}" + (f" 2>{shlex.quote(str(stderr))}" if as_json else "")
    cli.emulator.fault(path=rf"/v4/spreadsheets/{sid}:batchUpdate$", latencyMs=HELD_MS, count=3)
    child = pexpect.spawn("/bin/bash", ["-c", command], cwd=str(tmp_path), env=_env(), encoding="utf-8",
                          timeout=120, dimensions=(40, 200))
    checkpoint = cli.checkpoints / sid / "apply-3.0.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        steps = json.loads(checkpoint.read_text()).get("steps", {}) if checkpoint.exists() else {}
        if "verify_backup" in steps and not cli.emulator.state()["faults"]["pending"] and cli.emulator.state()["locks"]:
            break
        assert child.isalive(), child.read()
        time.sleep(0.05)
    else:
        raise AssertionError("the apply never reached its bridge call")
    return child, args, stderr


def _interrupt(child: pexpect.spawn) -> tuple[int, str]:
    child.sendintr()
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before or "").replace("\r", "")
    child.close()
    assert child.exitstatus is not None, (child.signalstatus, output)
    return int(child.exitstatus), output


def _resumed(cli: Cli, sid: str, tmp_path: Path) -> None:
    """Once the held call is over, the same command resumes and completes (the bridge's recorded result)."""
    deadline = time.monotonic() + 60
    while cli.emulator.state()["locks"] and time.monotonic() < deadline:
        time.sleep(0.1)
    again = _run(["apply", "--execute", "--yes", *_connection(cli, sid), "--json"], tmp_path, timeout=300)
    doc: dict[str, Any] = json.loads(again.stdout)
    assert again.returncode == 0, again.stdout + again.stderr
    report = doc["result"]["runs"][0]
    assert report["status"] == "applied" and report["resumed"] is True, report
    assert not (cli.checkpoints / sid / "apply-3.0.json").exists()


def test_ctrl_c_during_an_apply_exits_130_naming_the_step_and_the_command_that_resumes(
        cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet()
    child, args, _ = _held_apply(cli, sid, tmp_path, as_json=False)
    code, output = _interrupt(child)
    assert code == ExitCode.INTERRUPTED == 130, output
    assert "Aborted!" not in output and "Traceback" not in output, output
    rerun = shlex.join(["zeues-migrate", *args])
    assert f"zeues-migrate apply: interrupted during apply; rerun `{rerun}` to resume" in output, output
    _resumed(cli, sid, tmp_path)


def test_ctrl_c_under_json_prints_the_json_document(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet()
    child, args, stderr = _held_apply(cli, sid, tmp_path, as_json=True)
    code, output = _interrupt(child)
    assert code == 130, output + stderr.read_text()
    doc = json.loads(output[output.index("{"):])
    rerun = shlex.join(["zeues-migrate", *args])
    assert (doc["command"], doc["ok"], doc["exitCode"], doc["result"]) == ("apply", False, 130, None), doc
    assert doc["error"] == {"code": "INTERRUPTED",
                            "message": f"interrupted during apply; rerun `{rerun}` to resume"}, doc
    _resumed(cli, sid, tmp_path)


def test_ctrl_c_before_anything_changed_says_so(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    """A dry run (the plan) interrupted while its read is held: nothing was changed, and it says so."""
    sid = new_sheet()
    cli.emulator.fault(path=rf"/v4/spreadsheets/{sid}\?", latencyMs=HELD_MS, count=1)
    child = pexpect.spawn(ZEUES, ["plan", *_connection(cli, sid)], cwd=str(tmp_path), env=_env(), encoding="utf-8",
                          timeout=60)
    deadline = time.monotonic() + 30
    while cli.emulator.state()["faults"]["pending"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not cli.emulator.state()["faults"]["pending"], "the plan's read was never held"
    time.sleep(0.3)  # inside the held read
    code, output = _interrupt(child)
    assert code == 130, output
    assert "zeues-migrate plan: interrupted; nothing was changed" in output, output


def test_ctrl_c_at_the_confirmation_prompt_changes_nothing_and_says_so(
        cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet()
    child = pexpect.spawn(ZEUES, ["apply", "--execute", *_connection(cli, sid)], cwd=str(tmp_path), env=_env(),
                          encoding="utf-8", timeout=60)
    child.expect(r"\[y/N\]")
    code, output = _interrupt(child)
    assert code == 130, output
    assert "zeues-migrate apply: interrupted; nothing was changed" in output and "Aborted!" not in output, output
    assert not (cli.checkpoints / sid / "apply-3.0.json").exists()
    status = _run(["status", *_connection(cli, sid), "--json"], tmp_path)
    assert json.loads(status.stdout)["result"]["applied"] == [], status.stdout
