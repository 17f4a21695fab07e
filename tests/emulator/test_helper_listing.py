"""`python -m orchestrator.emulator` restarted on the same --data: ONE `export ZEUES_SPREADSHEET_ID` line, of the
live spreadsheet, and the backups the bridge made listed apart as shell comments, so pasting the whole block (as
docs/operator.md says) never selects a backup."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestrator.workbook import WorkbookOptions, write_workbook
from tests.support.cli import ZEUES

EXPORT = re.compile(r"^\s+export (ZEUES_\w+)=(\S+)")


@dataclass
class Helper:
    process: subprocess.Popen[str]
    ready: dict[str, object]
    lines: list[str]  # what it printed on stderr up to the Ctrl-C line

    @property
    def exports(self) -> list[tuple[str, str]]:
        return [(m.group(1), m.group(2)) for line in self.lines if (m := EXPORT.match(line))]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        assert self.process.wait(timeout=60) == 0


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}


def _start(data: Path, *load: Path) -> Helper:
    args = [sys.executable, "-m", "orchestrator.emulator", "--data", str(data)]
    for path in load:
        args += ["--load", str(path)]
    process = subprocess.Popen(args, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    ready = json.loads(process.stdout.readline())
    lines = []
    for line in iter(process.stderr.readline, ""):
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            break
    return Helper(process, ready, lines)


def _pasted(helper: Helper) -> dict[str, str]:
    """The environment a shell gets when the whole indented block is pasted into it."""
    block = "\n".join(line for line in helper.lines if line.startswith("  "))
    done = subprocess.run(["bash", "-c", block + "\nenv"], env=_env(), capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if line.startswith("ZEUES_"))


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ZEUES, *args], env=_env() | env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=300)


def test_a_restart_lists_the_live_spreadsheet_first_and_the_backups_apart(tmp_path: Path) -> None:
    workbook = tmp_path / "zeues-v21.json"
    write_workbook(WorkbookOptions(spools=30, seed=1), workbook)
    data = tmp_path / "emulator-data"

    first = _start(data, workbook)
    try:
        (live_id,) = first.ready["spreadsheetIds"]  # type: ignore[misc]
        env = _pasted(first)
        assert env["ZEUES_SPREADSHEET_ID"] == live_id
        for verb in (["apply", "--execute", "--yes"], ["rollback", "3.0", "--execute", "--yes"]):
            done = _cli(env, *verb)
            assert done.returncode == 0, done.stderr[-2000:]
        listed = _cli(env, "backups", "--json")
        backups = {b["id"] for b in json.loads(listed.stdout)["result"]}
        assert len(backups) >= 2, listed.stdout
    finally:
        first.stop()

    again = _start(data)  # the same data, nothing loaded
    try:
        assert again.ready["spreadsheetIds"] == []
        assert [value for name, value in again.exports if name == "ZEUES_SPREADSHEET_ID"] == [live_id]
        assert _pasted(again)["ZEUES_SPREADSHEET_ID"] == live_id, "pasting the block selects the live sheet"
        heading = next(i for i, line in enumerate(again.lines) if "backups the bridge made" in line)
        export_at = next(i for i, line in enumerate(again.lines) if "export ZEUES_SPREADSHEET_ID" in line)
        assert export_at < heading, "the live spreadsheet first"
        listed_backups = [line for line in again.lines[heading + 1:] if line.startswith("  #   ")]
        assert {line.split()[1] for line in listed_backups} == backups  # `  #   ID    backup before ...`
        assert all("backup before" in line for line in listed_backups)
        assert all(line.lstrip().startswith("#") for line in again.lines if any(b in line for b in backups))
    finally:
        again.stop()

    # One more workbook on the same data: the one loaded now is the export, the earlier live one a comment.
    second_workbook = tmp_path / "second.json"
    write_workbook(WorkbookOptions(spools=10, seed=2, title="second"), second_workbook)
    third = _start(data, second_workbook)
    try:
        (new_id,) = third.ready["spreadsheetIds"]  # type: ignore[misc]
        assert [value for name, value in third.exports if name == "ZEUES_SPREADSHEET_ID"] == [new_id]
        others = next(i for i, line in enumerate(third.lines) if "other live spreadsheets" in line)
        assert live_id in third.lines[others + 1] and third.lines[others + 1].startswith("  #   ")
        assert _pasted(third)["ZEUES_SPREADSHEET_ID"] == new_id
    finally:
        third.stop()
