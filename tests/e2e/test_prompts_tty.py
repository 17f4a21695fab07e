"""The confirmation prompts on a real pseudo-terminal (issue 14): each shows what will change before it asks,
answering n changes nothing and exits 0, and the run's clock starts after the answer."""

from __future__ import annotations

import json
import os
import re
import shlex
import time
from collections.abc import Callable
from pathlib import Path

import pexpect

from tests.e2e.conftest import Cli, observe
from tests.support.cli import OFFLINE, ZEUES
from tests.support.live import Live

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ELAPSED = re.compile(r"\[\s*(\d+(?:\.\d+)?)s\]")


def _spawn(cli: Cli, sid: str, *args: str, stderr: Path | None = None) -> pexpect.spawn:
    emulator = cli.emulator
    command = [ZEUES, *args, "--endpoint", emulator.url, "--deployment-id", emulator.deployment_id,
               "--reads-per-minute", "0", "--checkpoint-dir", str(cli.checkpoints), "--credentials",
               str(emulator.credentials_file()), "--spreadsheet-id", sid]
    line = f"exec {shlex.join(command)}" + (f" 2>{shlex.quote(str(stderr))}" if stderr else "")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE), env.get("PYTHONPATH", "")) if p)
    return pexpect.spawn("/bin/bash", ["-c", line], cwd=str(cli.cwd), env=env, encoding="utf-8", timeout=120,
                         dimensions=(50, 200))


def _answer(child: pexpect.spawn, question: str, answer: str) -> tuple[str, int, str]:
    """Wait for the question, answer it; (what was shown before it, exit status, what came after)."""
    child.expect(re.escape(question) + r".*\[y/N\]: ")
    shown = ANSI.sub("", child.before or "").replace("\r", "")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    after = ANSI.sub("", child.before or "").replace("\r", "")
    child.close()
    assert child.exitstatus is not None, (child.signalstatus, shown, after)
    return shown, int(child.exitstatus), after


def test_apply_prompt_shows_the_plan_and_n_changes_nothing(cli: Cli, live: Live,
                                                           new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(40)
    before = observe(live, sid)
    copies = len(cli.emulator.state()["spreadsheets"])
    shown, code, after = _answer(_spawn(cli, sid, "apply", "--execute"), "Apply 3.0 to", "n")
    for name in ("Ocupado_Por", "Fecha_Ocupacion", "version", "TOMAR_SPOOL"):
        assert name in shown, shown  # the columns and event types, before the question
    assert "Operaciones!" in shown and "cells:" in shown and "backup" in shown, shown
    assert code == 0 and "cancelled; nothing was changed" in after, after
    assert observe(live, sid) == before and len(cli.emulator.state()["spreadsheets"]) == copies, "no backup either"
    assert not (cli.checkpoints / sid).exists() or not list((cli.checkpoints / sid).glob("*.json"))


def test_rollback_prompt_shows_the_columns_and_the_cells_that_move(cli: Cli, live: Live,
                                                                   new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(40)
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    before = observe(live, sid)
    shown, code, after = _answer(_spawn(cli, sid, "rollback", "--execute"), "Roll back 3.0 on", "n")
    assert "Operaciones!" in shown and "Ocupado_Por" in shown and "40 filled cells" in shown, shown
    assert "backup" in shown, shown
    assert code == 0 and "cancelled; nothing was changed" in after, after
    assert observe(live, sid) == before


def test_restore_prompt_names_the_sheets_it_deletes(cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(30)
    backup = cli("apply", "--execute", "--yes", sid=sid).result["runs"][0]["backup_id"]
    live.batch_update(sid, [{"addSheet": {"properties": {"title": "Borrador"}}}])
    before = observe(live, sid)
    shown, code, after = _answer(_spawn(cli, sid, "restore", backup, "--execute"), f"with backup {backup}", "n")
    assert "DELETE Borrador" in shown and "keep _zeues_migrations" in shown, shown
    assert code == 0 and "cancelled; nothing was changed" in after, after
    assert observe(live, sid) == before


def test_the_run_clock_starts_after_the_answer(cli: Cli, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet(30)
    stderr = tmp_path / "stderr.txt"
    child = _spawn(cli, sid, "apply", "--execute", "--json", stderr=stderr)
    deadline = time.monotonic() + 120
    while not (stderr.exists() and "[y/N]" in stderr.read_text(errors="replace")):
        assert time.monotonic() < deadline and child.isalive(), child.read_nonblocking(100000, 0)
        time.sleep(0.1)
    waited = 3.0
    time.sleep(waited)  # the operator reads the plan
    child.sendline("y")
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before or "").replace("\r", "")
    child.close()
    assert child.exitstatus == 0, output
    doc = json.loads(output[output.index("{"):])
    (run,) = doc["result"]["runs"]
    assert run["status"] == "applied" and sum(run["timings"].values()) < waited, run["timings"]
    progress = stderr.read_text().split("[y/N]", 1)[1]
    elapsed = [float(m) for m in ELAPSED.findall(progress)]
    assert elapsed and elapsed[0] < waited, progress[:2000]  # the first progress line counts from the answer


def test_an_apply_the_plan_refuses_is_refused_before_asking(cli: Cli, live: Live,
                                                            new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(30)
    assert cli("hold", "--reason", "month-end", sid=sid).code == 0
    before = observe(live, sid)
    child = _spawn(cli, sid, "apply", "--execute")
    child.expect(pexpect.EOF)
    output = ANSI.sub("", child.before or "").replace("\r", "")
    child.close()
    assert child.exitstatus == 4 and "[y/N]" not in output and "paused" in output, output
    assert observe(live, sid) == before and not list(cli.checkpoints.glob("*/*.json"))
