"""Transport faults from the emulator's fault surface during an apply: a 429 storm, 500/503 answers, dropped
connections and latency on reads (all retried with backoff, the run ends as an unfaulted one), and a
`scripts.run` whose reply is lost after the bridge applied (exit 9; the rerun sees it applied through the
opId replay instead of applying twice)."""

from __future__ import annotations

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
)
from tests.support.live import Live


def _applied_as_reference(cli: Cli, live: Live, emulator: Emulator, sid: str, baseline: Baseline,
                          reference: dict[str, Any], report: dict[str, Any]) -> None:
    full_verification(cli, sid, report)
    assert observe(live, sid) == reference
    assert [(h["action"], h["status"]) for h in history(live, sid)] == [("backup", "done"), ("apply", "applied")]
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []


def test_a_429_storm_on_reads_is_ridden_out(cli: Cli, live: Live, emulator: Emulator,
                                            new_sheet: Callable[[], str], reference: dict[str, Any]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    # (`\?`: the orchestrator's requests carry a query string; the bridge's own reads, as the fault surface sees
    # them, do not.) Three 429s in a row on one read: the backoff is full-jitter exponential from 1 s (no flag
    # shortens it), so the storm stays short to keep the test quick (~3.5 s of backoff expected).
    emulator.fault(path=r"values:batchGet\?", status=429, count=3)
    report = single_apply_report(cli("apply", "--execute", "--yes", sid=sid))
    faults_met(emulator)
    assert report["status"] == "applied" and not report["resumed"]
    _applied_as_reference(cli, live, emulator, sid, baseline, reference, report)


def test_5xx_drops_and_latency_on_reads_are_retried(cli: Cli, live: Live, emulator: Emulator,
                                                    new_sheet: Callable[[], str], reference: dict[str, Any]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    emulator.fault(path=r"^/v4/spreadsheets/[^/:?]+\?", method="GET", status=503, count=1)  # spreadsheets.get
    emulator.fault(path=r"^/v4/spreadsheets/[^/:?]+\?.*ranges=", method="GET", status=500, count=1)  # the state's rows
    emulator.fault(path=r"values:batchGet\?", status=500, count=1)
    emulator.fault(path=r"values:batchGet\?", drop=True, count=1)  # the connection closes, no answer
    emulator.fault(path=r"values:batchGet\?", latencyMs=300, count=4)
    report = single_apply_report(cli("apply", "--execute", "--yes", sid=sid))
    faults_met(emulator)
    assert report["status"] == "applied" and not report["resumed"]
    _applied_as_reference(cli, live, emulator, sid, baseline, reference, report)


def test_a_lost_reply_after_the_apply_is_replayed_not_repeated(cli: Cli, live: Live, emulator: Emulator,
                                                               new_sheet: Callable[[], str],
                                                               reference: dict[str, Any]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    copies = len(emulator.state()["spreadsheets"])
    emulator.script_control(loseReply=1, function="applyMigration")  # it runs in full; its answer never comes
    lost = cli("apply", "--execute", "--yes", sid=sid)
    assert lost.code == ExitCode.GOOGLE_UNAVAILABLE, (lost.code, lost.stdout[-2000:], lost.stderr[-2000:])
    assert lost.error["code"] == "TransportError"
    assert "may or may not have run" in lost.message and "Rerun the same command" in lost.message, lost.message
    # The bridge did apply; the run does not know it.
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply"]
    state = checkpoint(cli, sid)
    assert state is not None and "verify_backup" in state["steps"] and "apply" not in state["steps"]

    report = single_apply_report(cli("apply", "--execute", "--yes", sid=sid))
    assert report["resumed"] and report["status"] == "applied"
    assert report["bridge_result"].get("replayed") is True, report["bridge_result"]
    _applied_as_reference(cli, live, emulator, sid, baseline, reference, report)
    assert [h["action"] for h in history(live, sid)].count("apply") == 1
    assert len(emulator.state()["spreadsheets"]) == copies + 1, "one backup"
