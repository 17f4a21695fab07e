"""The reads each bridge function makes itself stay within what the orchestrator reserves for it in the shared read
limiter (`BRIDGE_READS`, orchestrator/google/script.py): a bound the bridge outgrows would let the tool's reads and
the bridge's together exceed the user's quota. Counted by the emulator's fault quota counter, which
counts every Sheets read an execution makes through the emulator's engine: the Advanced Sheets calls, which Google
bills to the user (docs/benchmarks.md), and SpreadsheetApp's own, which it does not — a count on the safe side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.google.script import bridge_reads
from tests.bridge.conftest import v30
from tests.bridge.helpers import expected_headers
from tests.bridge.test_rollback_restore import backup, rollback
from tests.support.live import Live, op_id


def counted(emulator: Any, call: Callable[[], Any]) -> int:
    emulator.fault(quotaPerMinute=100_000)  # a fresh counter that refuses nothing
    call()
    quota = emulator.state()["faults"]["quota"]
    assert quota["rejected"] == 0
    return int(quota["accepted"])


def test_each_bridge_function_reads_no_more_than_its_reservation(live: Live, emulator: Any,
                                                                 new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    migration = v30()
    apply_request = {"opId": op_id(), "spreadsheetId": sid, "migration": migration,
                     "expectedHeaders": expected_headers(live, sid)}  # read by the test, before the count
    reads = {
        "describeSchema": counted(emulator, lambda: live.run("describeSchema", {"spreadsheetId": sid})),
        "backupSpreadsheet": counted(emulator, lambda: backup(live, sid)),
        "applyMigration": counted(emulator, lambda: live.run("applyMigration", apply_request)),
        "setHold": counted(emulator, lambda: live.run("setHold", {"opId": op_id(), "spreadsheetId": sid,
                                                                   "hold": True, "reason": "test"})),
    }
    live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": False})
    reads["rollbackMigration"] = counted(emulator, lambda: rollback(live, sid, migration["id"]))
    over = {f: (n, bridge_reads(f)) for f, n in reads.items() if n > bridge_reads(f)}
    assert not over, f"reads over the reservation (made, reserved): {over}; all: {reads}"
    assert all(n > 0 for n in reads.values()), reads  # the counter saw the bridge's reads at all
