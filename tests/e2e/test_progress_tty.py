"""Progress: on a terminal a rich bar per pass over rows, with its total and ETA; without one plain timestamped
lines; never on stdout (under --json stdout is exactly one JSON document)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pexpect

from tests.e2e.conftest import Cli
from tests.support.cli import OFFLINE, ZEUES

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BAR = re.compile(r"snapshot Operaciones\s+━+\s+(\d[\d,]*)/(\d[\d,]*)\s+\d+%.*ETA\s+(-:--:--|\d+:\d\d:\d\d)")


def _spawn(cli: Cli, sid: str, *args: str) -> pexpect.spawn:
    emulator = cli.emulator
    command = [ZEUES, *args, "--endpoint", emulator.url, "--deployment-id", emulator.deployment_id,
               "--reads-per-minute", "0", "--checkpoint-dir", str(cli.checkpoints), "--credentials",
               str(emulator.credentials_file()), "--spreadsheet-id", sid]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE), env.get("PYTHONPATH", "")) if p)
    return pexpect.spawn("/bin/bash", ["-c", f"exec {shlex.join(command)}"], cwd=str(cli.cwd), env=env,
                         encoding="utf-8", timeout=180, dimensions=(50, 200))


def test_a_terminal_shows_a_bar_with_the_total_and_an_eta(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(300)
    child = _spawn(cli, sid, "apply", "--execute", "--yes")
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before or "").replace("\r", "\n")
    child.close()
    assert child.exitstatus == 0, output[-3000:]
    bars = BAR.findall(output)
    assert bars, output[-3000:]
    done, total, _ = bars[-1]
    assert done == total and int(total.replace(",", "")) >= 300, bars  # the grid's rows, known before reading


def test_without_a_terminal_plain_timestamped_lines_with_totals(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(40)
    done = cli("apply", "--execute", "--yes", sid=sid)
    assert done.code == 0, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert "\x1b" not in done.stderr and "━" not in done.stderr  # no bar, no escape codes in a log file
    assert any(re.fullmatch(r"\[\s*\d+\.\ds\] snapshot done.*", line) for line in lines), lines
    assert any(re.fullmatch(r"\[\s*\d+\.\ds\]\s+snapshot Operaciones: [\d,]+ of [\d,]+ rows", line)
               for line in lines), lines


def test_under_json_stdout_is_exactly_one_document(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(40)
    done = cli("apply", "--execute", "--yes", "-v", sid=sid)
    assert done.code == 0, done.stderr[-2000:]
    doc = json.loads(done.stdout)  # raises on anything else around it
    assert doc["command"] == "apply" and doc["ok"] is True
    assert "snapshot" in done.stderr and " google " in done.stderr  # progress and -v went to stderr


def test_the_workbook_generator_reports_rows_generated_of_the_total(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "wb.json"
    done = subprocess.run([ZEUES, "workbook", "--spools", "3000", "-o", str(out)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0 and done.stdout == "", done.stderr[-2000:]
    lines = done.stderr.splitlines()
    generated = re.compile(r"\[\s*\d+\.\ds\]\s+Operaciones rows: [\d,]+ of [\d,]+ rows")
    assert any(generated.fullmatch(line) for line in lines), lines
    assert any(re.fullmatch(r"\[\s*\d+\.\ds\] sheet Metadata done: [\d,]+ rows written \(.*\)", line)
               for line in lines), lines
    # On a terminal: a bar with the total and an ETA.
    child = pexpect.spawn(ZEUES, ["workbook", "--spools", "3000", "-o", str(out)], encoding="utf-8", timeout=120,
                          dimensions=(50, 200))
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before or "").replace("\r", "\n")
    child.close()
    assert child.exitstatus == 0, output[-2000:]
    assert re.search(r"Operaciones rows\s+━+\s+[\d,]+/[\d,]+\s+\d+%.*ETA", output), output[-2000:]


def test_rehearse_says_what_it_does_while_loading_the_emulator(cli: Cli) -> None:
    done = cli("rehearse", "--spools", "30", connect=False)
    assert done.code == 0, done.stderr[-2000:]
    for step in ("emulator: starting the local emulator", "workbook: generating a 30-spool", "load: loading"):
        assert any(step in line and re.match(r"\[\s*\d+\.\ds\]", line) for line in done.stderr.splitlines()), \
            (step, done.stderr[-3000:])
