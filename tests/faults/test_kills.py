"""SIGKILL *inside* a step, then rerun: the end state is the uninterrupted run's — one backup, columns once, a
clean history, nothing lost.

Kills at every step boundary (and between each bridge call and the checkpoint recording it) are
tests/e2e/test_resume.py. Here the kill lands in the middle of the fingerprint (the snapshot's chunked reads)
and in the middle of the apply call (the bridge inside its batchUpdate, holding the lock).
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any

from orchestrator.emulator import Emulator
from tests.faults.conftest import (
    Baseline,
    Cli,
    applied_once,
    checkpoint,
    full_verification,
    history,
    lost_cells,
    observe,
    single_apply_report,
    wait_until,
)
from tests.support.live import Live


def _spill_lines(cli: Cli, sid: str) -> int:
    spills = list((cli.checkpoints / sid).glob("*/snapshot-Operaciones.jsonl"))
    return sum(1 for _ in spills[0].open()) if spills else 0


def test_killed_in_the_middle_of_the_snapshot(cli: Cli, live: Live, emulator: Emulator,
                                              new_sheet: Callable[[], str], reference: dict[str, Any]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    copies = len(emulator.state()["spreadsheets"])
    # Every read slow: the snapshot of Operaciones is several chunked reads, 0.6 s apart.
    emulator.fault(path=r"values:batchGet\?", latencyMs=600, count=50)
    process = cli.spawn("apply", "--execute", "--yes", sid=sid)
    # Part of the fingerprint is on disk, the step is not recorded: the process is inside the snapshot.
    wait_until(lambda: _spill_lines(cli, sid) > 0, what="the first snapshot chunk")
    process.send_signal(signal.SIGKILL)
    killed = cli.finish(process)
    emulator.reset()
    assert killed.code == -signal.SIGKILL and killed.doc is None
    state = checkpoint(cli, sid)
    assert state is not None and "preflight" in state["steps"] and "snapshot" not in state["steps"], state
    assert 0 < _spill_lines(cli, sid) < len(baseline.sheets["Operaciones"]) - 1, "a torn fingerprint is on disk"

    run = cli("apply", "--execute", "--yes", sid=sid)
    report = single_apply_report(run)
    assert report["resumed"] and report["status"] == "applied"
    # A resumed run that trusted the torn fingerprint would find the missing rows "changed concurrently".
    full_verification(cli, sid, report)
    assert observe(live, sid) == reference
    assert [(h["action"], h["status"]) for h in history(live, sid)] == [("backup", "done"), ("apply", "applied")]
    assert len(emulator.state()["spreadsheets"]) == copies + 1, "one backup"
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []


def test_killed_while_the_apply_call_is_in_flight(cli: Cli, live: Live, emulator: Emulator,
                                                  new_sheet: Callable[[], str], reference: dict[str, Any]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    copies = len(emulator.state()["spreadsheets"])
    # The original's batchUpdates — the backup's `in_progress` and `done` history rows, then the apply — each
    # take 1.5 s inside the bridge (the copy's own tag goes to the copy's id, not matched here).
    emulator.fault(path=rf"/v4/spreadsheets/{sid}:batchUpdate$", latencyMs=1500, count=3)
    process = cli.spawn("apply", "--execute", "--yes", sid=sid)

    def in_apply_call() -> bool:
        state = checkpoint(cli, sid)
        # The backup is verified (its call is over), and a bridge execution holds the lock: the apply call.
        return bool(state and "verify_backup" in state["steps"] and emulator.state()["locks"])

    wait_until(in_apply_call, what="the apply call to hold the lock")
    process.send_signal(signal.SIGKILL)
    killed = cli.finish(process)
    assert killed.code == -signal.SIGKILL and killed.doc is None
    # The orphaned execution goes on and applies; the killed run never learnt it.
    wait_until(lambda: not emulator.state()["locks"], what="the bridge to finish")
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply"]
    state = checkpoint(cli, sid)
    assert state is not None and "apply" not in state["steps"]

    run = cli("apply", "--execute", "--yes", sid=sid)
    report = single_apply_report(run)
    assert report["resumed"] and report["status"] == "applied"
    # The rerun repeated the call under the run's own opId: the bridge answered from its record.
    assert report["bridge_result"].get("replayed") is True, report["bridge_result"]
    full_verification(cli, sid, report)
    assert observe(live, sid) == reference
    rows = history(live, sid)
    assert [(h["action"], h["status"]) for h in rows] == [("backup", "done"), ("apply", "applied")]
    assert rows[0]["backup_id"] == report["backup_id"]
    assert len(emulator.state()["spreadsheets"]) == copies + 1, "one backup"
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []
