"""Two operators apply the same migration at once (issue 12, finding 9): it is applied once, with one backup, and
the second operator's run says `already_applied` — the bridge knows who is applying.

Each run's backup request carries its purpose (the change, the run's id, the opId of its change step); under the
script lock the bridge refuses a backup for a change while another run's change is begun (its backup recorded)
and not finished (no history row of its change's opId): ZEUES_CHANGE_IN_PROGRESS, exit 3, retry. The second run
made nothing; its rerun finds the migration applied and reports `already_applied`. The run that began the change
is never refused by its own claim: killed after its backup, it resumes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.faults.conftest import Cli, Run, applied_once, checkpoint, full_verification, history, single_apply_report
from tests.support.live import Live


def operator(emulator: Emulator, tmp_path: Path, name: str) -> Cli:
    """An operator on their own machine: their own checkpoints."""
    return Cli(emulator, tmp_path / name / "checkpoints", tmp_path)


def in_progress(run: Run) -> None:
    assert run.code == int(ExitCode.LOCK_BUSY), (run.code, run.stdout[-2000:], run.stderr[-2000:])
    assert run.error["code"] == "CHANGE_IN_PROGRESS", run.error
    assert "began to apply 3.0" in run.message and "run this command again" in run.message, run.message


def already(run: Run) -> dict[str, Any]:
    report = single_apply_report(run)
    assert report["status"] == "already_applied", report
    assert report["backup_id"] is None, "no backup of its own"
    return report


def test_the_second_operator_is_refused_while_the_first_changes_then_finds_it_applied(
        emulator: Emulator, live: Live, new_sheet: Callable[[], str], tmp_path: Path) -> None:
    sid = new_sheet()
    first, second = operator(emulator, tmp_path, "first"), operator(emulator, tmp_path, "second")
    killed = first("apply", "--execute", "--yes", sid=sid, failpoints="after:backup")  # the backup made: a claim
    assert killed.code == -9, killed.stderr[-2000:]

    in_progress(second("apply", "--execute", "--yes", sid=sid))
    assert [h["action"] for h in history(live, sid)] == ["backup"], "the second run made no backup"

    resumed = single_apply_report(first("apply", "--execute", "--yes", sid=sid))  # its own claim: resumes
    assert resumed["status"] == "applied" and resumed["resumed"]
    full_verification(first, sid, resumed)

    already(second("apply", "--execute", "--yes", sid=sid))
    assert checkpoint(second, sid) is None, "nothing of the second run is left in flight"
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply"]
    applied_once(live, sid)


def test_two_operators_started_together_apply_once_with_one_backup(
        emulator: Emulator, live: Live, new_sheet: Callable[[], str], tmp_path: Path) -> None:
    sid = new_sheet()
    ops = [operator(emulator, tmp_path, name) for name in ("first", "second")]
    # The bridge's batchUpdates held a little: both runs are past their preflight before either has applied.
    emulator.fault(path=r":batchUpdate$", latencyMs=1500, count=6)
    spawned = [op.spawn("apply", "--execute", "--yes", sid=sid) for op in ops]
    runs = [Cli.finish(p) for p in spawned]
    emulator.reset()

    statuses = []
    for op, run in zip(ops, runs, strict=True):
        if run.code == int(ExitCode.LOCK_BUSY):
            in_progress(run)
            time.sleep(0.1)
            run = op("apply", "--execute", "--yes", sid=sid)  # the documented retry
        statuses.append(single_apply_report(run)["status"])
    assert sorted(statuses) == ["already_applied", "applied"], statuses
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply"], "one backup, one apply"
    applied_once(live, sid)
