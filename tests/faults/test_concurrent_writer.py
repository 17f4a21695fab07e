"""A v2.1 writer keeps working while the migration is applied and rolled back: none of its writes is lost, and
every one is either in the run's snapshot (it landed first) or listed by the run's verification as a
concurrent change — never silently absorbed.

The writer does what the v2.1 backend does, through the Sheets API: find a spool's row by TAG_SPOOL, write one
cell (Armador, Soldador, Fecha_*: INICIAR/COMPLETAR) with USER_ENTERED, and append a Metadata event row. It runs in
its own thread (and its own HTTP client) while the CLI runs as a subprocess; latency on the run's reads and on
the bridge's batchUpdates keeps the window open for a few seconds.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
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
    single_apply_report,
)
from tests.support.live import Live

WRITTEN_COLUMNS = ("Armador", "Soldador", "Fecha_Armado", "Fecha_Soldadura", "Fecha_QC_Metrología")
Write = tuple[str, int, int]  # (sheet, row 1-based, column 0-based)


class Writer(threading.Thread):
    """Writes until `stop()` says so; `writes` maps each written cell to the value the sheet stored."""

    def __init__(self, emulator: Emulator, sid: str, baseline: Baseline, stop: Callable[[], bool], seed: int,
                 first: int) -> None:
        super().__init__(daemon=True)
        self.live = Live(emulator.url, emulator.deployment_id)  # its own HTTP client: httplib2 is not thread-safe
        self.sid, self.stop, self.random = sid, stop, random.Random(seed)
        ops = baseline.sheets["Operaciones"]
        header = [str(h) for h in ops[0]]
        tag = header.index("TAG_SPOOL")
        self.tags = {str(r[tag]): i + 1 for i, r in enumerate(ops) if i and len(r) > tag and r[tag]}
        self.columns = {name: header.index(name) for name in WRITTEN_COLUMNS}
        self.taken = set(baseline.writes)
        self.writes: dict[Write, Any] = {}
        self.n = first
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop():
                self.n += 1
                if self.n % 4 == 0:
                    self.append_event()
                else:
                    self.write_cell()
                time.sleep(0.03)
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            self.error = exc

    def write_cell(self) -> None:
        while True:
            tag = self.random.choice(sorted(self.tags))
            name = self.random.choice(WRITTEN_COLUMNS)
            cell = ("Operaciones", self.tags[tag], self.columns[name])
            if cell not in self.taken:
                break
        self.taken.add(cell)
        value = (f"CW({1000 + self.n})" if not name.startswith("Fecha") else
                 (date(2026, 1, 1) + timedelta(days=self.n)).strftime("%d-%m-%Y"))
        got = self.live.sheets.spreadsheets().values().update(
            spreadsheetId=self.sid, range=_a1(cell[1], cell[2]), valueInputOption="USER_ENTERED",
            includeValuesInResponse=True, responseValueRenderOption="FORMULA", body={"values": [[value]]}).execute()
        self.writes[cell] = got["updatedData"]["values"][0][0]

    def append_event(self) -> None:
        tag = self.random.choice(sorted(self.tags))
        when = date(2026, 1, 1) + timedelta(days=self.n)
        row = [str(uuid.uuid4()), when.strftime("%d-%m-%Y") + " 10:15:00", "INICIAR_ARM", tag, str(self.n),
               f"CW({1000 + self.n})", "ARM", "INICIAR", when.strftime("%d-%m-%Y"), json.dumps({"n": self.n})]
        got = self.live.sheets.spreadsheets().values().append(
            spreadsheetId=self.sid, range="'Metadata'!A1", valueInputOption="USER_ENTERED",
            includeValuesInResponse=True, responseValueRenderOption="FORMULA", body={"values": [row]}).execute()
        updates = got["updates"]
        number = int(re.search(r"![A-Z]+(\d+)", updates["updatedRange"]).group(1))  # type: ignore[union-attr]
        for column, value in enumerate(updates["updatedData"]["values"][0]):
            self.writes[("Metadata", number, column)] = value


def _a1(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return f"'Operaciones'!{letters}{row}"


def _spill(run_dir: Path, sheet: str) -> dict[int, list[Any]]:
    lines = (json.loads(line) for line in (run_dir / f"snapshot-{sheet}.jsonl").open())
    return {number: cells for number, _key, *cells in lines}


def _accounted_for(writes: dict[Write, Any], baseline: Baseline, run_dir: Path,
                   verification: dict[str, Any]) -> tuple[int, int]:
    """Every write to a sheet the run snapshotted is in the snapshot or in the verification's concurrent changes,
    and every listed change is one of the writes. Returns (writes found in the snapshot, writes listed as
    concurrent). (A rollback snapshots only the sheets whose columns it removes: its Metadata appends are
    checked by `lost_cells` alone.)"""
    headers = {sheet: [str(h) for h in rows[0]] for sheet, rows in baseline.sheets.items()
               if (run_dir / f"snapshot-{sheet}.jsonl").exists()}
    writes = {k: v for k, v in writes.items() if k[0] in headers}
    listed = {(c["column"], c["row"]): c["after"] for c in verification["concurrent_changes"]}
    assert len(listed) == verification["concurrent_changes_total"] == len(verification["concurrent_changes"])
    by_name = {(headers[sheet][column], row): value for (sheet, row, column), value in writes.items()}
    assert len(by_name) == len(writes), "two written cells share a column name and a row"
    spills = {sheet: _spill(run_dir, sheet) for sheet in headers}
    before = concurrent = 0
    for (sheet, row, column), value in writes.items():
        seen = spills[sheet].get(row, [])
        if column < len(seen) and seen[column] == value:
            before += 1
        else:
            assert listed.get((headers[sheet][column], row)) == value, (sheet, row, column, value, seen)
            concurrent += 1
    strays = {k: v for k, v in listed.items() if by_name.get(k) != v}
    assert not strays, f"changes the writer did not make: {strays}"
    return before, concurrent


def test_a_v21_writer_during_apply_and_rollback_loses_nothing(cli: Cli, live: Live, emulator: Emulator,
                                                              new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)

    # -- apply ---------------------------------------------------------------------------------------------
    emulator.fault(path=r"values:batchGet\?", latencyMs=150, count=40)
    emulator.fault(path=r":batchUpdate$", latencyMs=800, count=2)
    def done_with(action: str, step: str) -> Callable[[], bool]:
        """Stop writing once the run recorded its change: later writes could land after its verify read them."""
        return lambda: step in ((checkpoint(cli, sid, action) or {}).get("steps") or {})

    writer = Writer(emulator, sid, baseline, done_with("apply", "apply"), seed=1, first=0)
    writer.start()
    time.sleep(0.3)  # a few writes land before the run starts
    run = cli("apply", "--execute", "--yes", sid=sid)
    writer.stop = lambda: True
    writer.join(30)
    assert writer.error is None, writer.error
    emulator.reset()
    report = single_apply_report(run)
    assert report["status"] == "applied"
    full_verification(cli, sid, report, concurrent=True)
    baseline.writes.update(writer.writes)
    before, concurrent = _accounted_for(writer.writes, baseline, cli.checkpoints / sid / report["run_id"],
                                        report["verification"])
    assert concurrent > 0 and before > 0, (before, concurrent)  # the window was really open on both sides
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []

    # -- rollback ------------------------------------------------------------------------------------------
    emulator.fault(path=r"values:batchGet\?", latencyMs=150, count=40)
    emulator.fault(path=r":batchUpdate$", latencyMs=800, count=2)
    writer = Writer(emulator, sid, baseline, done_with("rollback", "rollback"), seed=2, first=writer.n)
    writer.start()
    time.sleep(0.3)
    run = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    writer.stop = lambda: True
    writer.join(30)
    assert writer.error is None, writer.error
    emulator.reset()
    assert run.code == 0, (run.stdout[-2000:], run.stderr[-2000:])
    rolled: dict[str, Any] = run.result
    assert rolled["status"] == "rolled_back"
    full_verification(cli, sid, rolled, concurrent=True)
    baseline.writes.update(writer.writes)
    before, concurrent = _accounted_for(writer.writes, baseline, cli.checkpoints / sid / rolled["run_id"],
                                        rolled["verification"])
    assert concurrent > 0, (before, concurrent)
    assert live.header(sid, "Operaciones") == [str(h) for h in baseline.sheets["Operaciones"][0]]
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply", "backup", "rollback"]
    assert lost_cells(live, sid, baseline) == []
