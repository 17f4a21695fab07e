"""People edit the sheet while a run is between its snapshot and its change (issue 12, findings 4, 5 and 9): a
human sorts Operaciones, adds a column after the 3.0 columns, the v2.1 backend writes a cell and appends a Metadata
event. The run is killed right after its snapshot (a failpoint), the edit is made, and the same command resumes:
the change lands, and the verification is right — by key, not by row order; columns by tag and name, not by
position — on the first run and on reruns. Every concurrent change it lists names its sheet, row, key, column,
before and after.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from orchestrator.domain.columns import column_letter
from tests.support.cli import Cli, Run
from tests.support.live import Live

NEW = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
HUMAN = "Observaciones"


def killed_after_snapshot(cli: Cli, sid: str, *args: str) -> None:
    run = cli(*args, "--execute", "--yes", sid=sid, failpoints="after:snapshot")
    assert run.code == -9, (run.code, run.stderr[-2000:])


def finished(run: Run) -> dict[str, Any]:
    assert run.code == 0, (run.code, run.stdout[-3000:], run.stderr[-3000:])
    result = run.result
    report: dict[str, Any] = result["runs"][0] if "runs" in result else result
    verification = report["verification"]
    assert verification is not None and not [c for c in verification["checks"] if not c["ok"]], verification
    return report


def data_rows(live: Live, sid: str) -> int:
    return len(live.values(sid, "'Operaciones'!A:A", "FORMULA")) - 1


def sort_operaciones(live: Live, sid: str) -> None:
    """Reorder every data row, as a sort does (the emulator has no sortRange: the rows are moved, formulas and
    all, which is what a sort does to them): the first half of the rows goes below the second."""
    n = data_rows(live, sid)
    live.batch_update(sid, [{"moveDimension": {"source": {
        "sheetId": live.sheet_id(sid, "Operaciones"), "dimension": "ROWS", "startIndex": 1, "endIndex": 1 + n // 2},
        "destinationIndex": 1 + n}}])


def test_a_sort_before_apply_is_no_concurrent_change(cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    killed_after_snapshot(cli, sid, "apply")
    sort_operaciones(live, sid)
    report = finished(cli("apply", "--execute", "--yes", sid=sid))
    verification = report["verification"]
    assert report["status"] == "applied"
    assert verification["status"] == "passed", verification["concurrent_changes"][:5]
    assert verification["concurrent_changes_total"] == 0


def test_a_sort_before_the_rollbacks_bridge_call_verifies_right_also_on_a_rerun(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    finished(cli("apply", "--execute", "--yes", sid=sid))
    header = live.header(sid, "Operaciones")
    occupied = column_letter(header.index("Ocupado_Por"))
    live.update(sid, f"'Operaciones'!{occupied}3:{occupied}5", [["MR(93)"], ["JP(7)"], ["AB(1)"]])
    killed_after_snapshot(cli, sid, "rollback", "3.0")
    sort_operaciones(live, sid)
    # Killed again once the bridge rolled back: the verification runs on the rerun, from the checkpoint.
    run = cli("rollback", "3.0", "--execute", "--yes", sid=sid, failpoints="after:rollback")
    assert run.code == -9, (run.code, run.stderr[-2000:])
    report = finished(cli("rollback", "3.0", "--execute", "--yes", sid=sid))
    assert report["status"] == "rolled_back" and report["resumed"]
    assert report["verification"]["status"] == "passed", report["verification"]["concurrent_changes"][:5]
    assert live.header(sid, "Operaciones") == header[:-len(NEW)]
    verified = cli("verify", sid=sid)
    assert verified.code == 0, verified.stdout + verified.stderr[-2000:]


def test_a_column_added_after_the_30_columns_then_a_rollback_verifies_and_names_it(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    finished(cli("apply", "--execute", "--yes", sid=sid))
    header = live.header(sid, "Operaciones")
    ops = live.sheet_id(sid, "Operaciones")
    live.batch_update(sid, [{"appendDimension": {"sheetId": ops, "dimension": "COLUMNS", "length": 1}}])
    human = column_letter(len(header))
    live.update(sid, f"'Operaciones'!{human}1:{human}3", [[HUMAN], [""], ["revisar"]])
    report = finished(cli("rollback", "3.0", "--execute", "--yes", sid=sid))
    verification = report["verification"]
    assert verification["status"] == "passed", verification
    assert [n for n in verification["notes"] if HUMAN in n], verification["notes"]
    assert live.header(sid, "Operaciones") == [*header[:-len(NEW)], HUMAN]
    assert live.values(sid, f"'Operaciones'!{column_letter(len(header) - len(NEW))}3", "FORMULA") == [["revisar"]]


def test_concurrent_changes_name_their_sheet_and_a_metadata_row_its_id(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    header = live.header(sid, "Operaciones")
    armador = column_letter(header.index("Armador"))
    tag = live.values(sid, f"'Operaciones'!{column_letter(header.index('TAG_SPOOL'))}4", "FORMULA")[0][0]

    def backend_writes(n: int) -> str:
        event = str(uuid.uuid4())
        live.update(sid, f"'Operaciones'!{armador}4", [[f"CW({n})"]])
        live.append(sid, "'Metadata'!A1", [[event, "28-01-2026 10:15:00", "INICIAR_ARM", tag, str(n), f"CW({n})",
                                            "ARM", "INICIAR", "28-01-2026", ""]])
        return event

    for action in (("apply",), ("rollback", "3.0")):
        killed_after_snapshot(cli, sid, *action)
        event = backend_writes(len(action))
        report = finished(cli(*action, "--execute", "--yes", sid=sid))
        changes = report["verification"]["concurrent_changes"]
        assert {c["sheet"] for c in changes} == {"Operaciones", "Metadata"}, changes
        ops = [c for c in changes if c["sheet"] == "Operaciones"]
        assert [(c["row"], c["key"], c["column"], c["after"]) for c in ops] == [(4, tag, "Armador", f"CW({len(action)})")]
        meta = [c for c in changes if c["sheet"] == "Metadata"]
        assert meta and {c["key"] for c in meta} == {event}, meta  # one appended row, keyed by its id
        assert len({c["row"] for c in meta}) == 1 and all(c["before"] == "" for c in meta)
        assert report["verification"]["concurrent_changes_total"] == len(changes)


def test_a_column_appended_after_the_snapshot_of_a_killed_apply_is_not_drift(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    """Appended at the far right it moves no planned cell: the resumed apply puts 3.0 after it and names it. (A
    column inserted in the middle stays DRIFT: tests/hostile/test_run_state.py.)"""
    sid = new_sheet()
    header = live.header(sid, "Operaciones")
    killed_after_snapshot(cli, sid, "apply")
    live.batch_update(sid, [{"appendDimension": {"sheetId": live.sheet_id(sid, "Operaciones"), "dimension": "COLUMNS",
                                                 "length": 1}}])
    human = column_letter(len(header))
    live.update(sid, f"'Operaciones'!{human}1:{human}2", [[HUMAN], ["revisar"]])
    report = finished(cli("apply", "--execute", "--yes", sid=sid))
    assert report["status"] == "applied" and report["resumed"]
    assert report["verification"]["status"] == "passed", report["verification"]
    assert [n for n in report["verification"]["notes"] if HUMAN in n], report["verification"]["notes"]
    assert live.header(sid, "Operaciones") == [*header, HUMAN, *NEW]
    verified = cli("verify", sid=sid)
    assert verified.code == 0, verified.stdout + verified.stderr[-2000:]
