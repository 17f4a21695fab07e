"""The bridge's own limits: an execution stopped at the time limit, and the script lock held by a menu run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.faults.conftest import (
    Baseline,
    Cli,
    applied_once,
    checkpoint,
    faults_met,
    full_verification,
    history,
    lost_cells,
    observe,
    single_apply_report,
    wait_until,
)
from tests.support.live import Live

# What the bridge reads as it starts (appsscript/Sheets.js loadState_ and the backup check before the lock): a
# `spreadsheets.get` the emulator sees as its REST equivalent without a query (emulator/faults.js
# restEquivalent), which the orchestrator never sends (its gets always name their fields).
BRIDGE_STATE_READ = r"^/v4/spreadsheets/[^/?]+$"


def _timed_out(run: Any) -> None:
    assert run.code == ExitCode.SCRIPT_ERROR, (run.code, run.stdout[-2000:], run.stderr[-2000:])
    assert run.error["code"] == "EXECUTION_TIMEOUT", run.error
    assert "Exceeded maximum execution time" in run.message and "applyMigration" in run.message, run.message


def test_an_apply_stopped_at_the_time_limit_changes_nothing_and_a_rerun_applies(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str], reference: dict[str, Any]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    copies = len(emulator.state()["spreadsheets"])
    # The run first gets as far as its verified backup (killed there), so the limit meets the apply call alone.
    assert cli("apply", "--execute", "--yes", sid=sid, failpoints="after:verify_backup").code == -9
    emulator.script_control(executionLimitMs=2000)
    # The apply execution spends 4 s in its first read under the lock: it is stopped before its batchUpdate.
    emulator.fault(path=BRIDGE_STATE_READ, method="GET", latencyMs=4000, count=1)
    stopped = cli("apply", "--execute", "--yes", sid=sid)
    _timed_out(stopped)
    faults_met(emulator)
    assert live.header(sid, "Operaciones") == [str(c) for c in baseline.sheets["Operaciones"][0]], "nothing applied"
    assert [h["action"] for h in history(live, sid)] == ["backup"]
    assert not emulator.state()["locks"], "a stopped execution releases the lock"
    assert lost_cells(live, sid, baseline) == []

    emulator.reset()  # the 6-minute limit again
    report = single_apply_report(cli("apply", "--execute", "--yes", sid=sid))
    assert report["resumed"] and report["status"] == "applied"
    assert "replayed" not in report["bridge_result"], "the stopped call had done nothing to replay"
    full_verification(cli, sid, report)
    assert observe(live, sid) == reference
    assert [(h["action"], h["status"]) for h in history(live, sid)] == [("backup", "done"), ("apply", "applied")]
    assert len(emulator.state()["spreadsheets"]) == copies + 1, "one backup"
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []


def test_a_batchupdate_that_lands_after_the_time_limit_is_replayed_not_repeated(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str], reference: dict[str, Any]) -> None:
    """The execution is stopped while its batchUpdate is on its way to Sheets. On Google that request was already
    sent, and whether it completes is not documented; the emulator lets it complete after the stop — the harder
    case: the run saw a failure, the sheet has the change, and only the opId tells."""
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    # Up to the apply call (a step-boundary kill, as in tests/e2e/test_resume.py): its batchUpdate is the next one.
    staged = cli("apply", "--execute", "--yes", sid=sid, failpoints="before:apply")
    assert staged.code < 0
    emulator.script_control(executionLimitMs=1500)
    emulator.fault(path=r":batchUpdate$", latencyMs=3000, count=1)
    stopped = cli("apply", "--execute", "--yes", sid=sid)
    _timed_out(stopped)
    # The change lands after the execution was stopped, unknown to the run.
    wait_until(lambda: [h["action"] for h in history(live, sid)] == ["backup", "apply"], timeout=20,
               what="the late batchUpdate")
    state = checkpoint(cli, sid)
    assert state is not None and "apply" not in state["steps"]

    emulator.reset()
    report = single_apply_report(cli("apply", "--execute", "--yes", sid=sid))
    assert report["resumed"] and report["bridge_result"].get("replayed") is True, report["bridge_result"]
    full_verification(cli, sid, report)
    assert observe(live, sid) == reference
    assert [(h["action"], h["status"]) for h in history(live, sid)] == [("backup", "done"), ("apply", "applied")]
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []


def test_a_menu_run_holding_the_lock_makes_the_cli_wait_or_find_it_applied(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    # The sheet owner applies from the menu; its backup holds the script lock for 5 s (a slow batchUpdate).
    emulator.fault(path=r":batchUpdate$", latencyMs=5000, count=1)
    menu: list[dict[str, Any]] = []
    owner = threading.Thread(target=lambda: menu.append(emulator.menu_run(sid, "menuApplyPending", ["YES"])))
    owner.start()
    try:
        wait_until(lambda: emulator.state()["locks"], what="the menu run to hold the lock")
        # Waiting at most half a second for the lock (the bridge's default is 30 s).
        first = cli("apply", "--execute", "--yes", "--lock-wait", "0.5", sid=sid)
    finally:
        owner.join(timeout=60)
    assert menu and "error" not in menu[0], menu
    assert menu[0]["alerts"][-1]["prompt"].startswith("Listo. Se aplicó"), menu[0]["alerts"]

    if first.code == ExitCode.LOCK_BUSY:
        assert first.error["code"] == "LOCK_BUSY" and "another migration run holds the script lock" in first.message
        state = checkpoint(cli, sid)
        assert state is not None and "backup" not in state["steps"], "refused before its backup"
        # Rerun once the menu is done: the migration is already there, and this run has nothing to do.
        second = single_apply_report(cli("apply", "--execute", "--yes", "--lock-wait", "0.5", sid=sid))
        assert second["status"] == "already_applied", second
        assert checkpoint(cli, sid) is None, "the unstarted run is put aside"
    else:  # it found the menu's change applied
        assert first.code == 0 and single_apply_report(first)["status"] == "already_applied", first.stdout[-2000:]

    # The menu's backup and apply, nothing of the CLI's.
    assert [(h["action"], h["status"]) for h in history(live, sid)] == [("backup", "done"), ("apply", "applied")]
    verified = cli("verify", sid=sid)
    assert verified.code == 0 and verified.result["status"] == "passed", verified.stdout[-2000:]
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []
