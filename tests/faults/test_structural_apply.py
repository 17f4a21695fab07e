"""A person edits the structure of the sheet while the bridge's apply batch is on its way (issue 12, finding 1):
the batch lands on the layout it finds and never over a v2.1 cell; the bridge, still under the lock, moves the
new columns right after the last v2.1 column, puts the event-type validation back on its column and fills the
defaults a moved row left empty, and says so in its result (`concurrentStructureChange`).

Over real sockets: the real CLI as a subprocess, the emulator running the real bridge. A latency fault holds the
original's third batchUpdate — the backup's two history rows come first — which is the apply's one batch, sent
after the bridge read the sheet under the lock; the "human" edits through the Sheets API inside that window.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from orchestrator.contract.metadata import MetaKey
from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.faults.conftest import V30_COLUMNS, Baseline, checkpoint, history, lost_cells, wait_until
from tests.support.cli import Cli, Run
from tests.support.live import Live

HELD_MS = 2500
LAST_V21 = "Precio Total"
BLANK_V21 = "Plano_Referencia"  # a v2.1 column without a value in the generated workbook


def _apply_with_human(cli: Cli, live: Live, emulator: Emulator, sid: str,
                      edit: Callable[[], object]) -> tuple[Run, Baseline]:
    """`apply --execute` with its batch held while `edit` changes the sheet; the v2.1 cells as the edit left them
    (the baseline every cell must still equal at the end)."""
    emulator.fault(path=rf"/v4/spreadsheets/{sid}:batchUpdate$", latencyMs=HELD_MS, count=3)
    process = cli.spawn("apply", "--execute", "--yes", sid=sid)
    held = False
    try:
        wait_until(lambda: not emulator.state()["faults"]["pending"] or process.poll() is not None, timeout=120,
                   what="the apply's batch to be held")
        state = checkpoint(cli, sid) or {}
        held = process.poll() is None and "verify_backup" in state.get("steps", {}) and bool(emulator.state()["locks"])
        if held:
            edit()
            baseline = Baseline.read(live, sid)
    finally:
        run = Cli.finish(process)
    assert held, ("the run was not inside its apply call", run.code, run.stdout[-3000:], run.stderr[-3000:])
    return run, baseline


def _bridge_result(cli: Cli, sid: str, run: Run) -> dict[str, Any]:
    """The bridge's answer to the apply: in the report (exit 0) or in the kept checkpoint (verification failed)."""
    if run.code == 0:
        reported: dict[str, Any] = run.result["runs"][0]["bridge_result"]
        return reported
    kept = checkpoint(cli, sid)
    assert kept is not None, (run.code, run.stdout[-3000:], run.stderr[-3000:])
    recorded: dict[str, Any] = kept["steps"]["apply"]["data"]["result"]
    return recorded


def _columns(live: Live, sid: str, sheet: str) -> int:
    return live.grid(sid, sheet)["columnCount"]


def _insert_columns(live: Live, sid: str, sheet: str, index: int, inherit: bool = False) -> None:
    live.batch_update(sid, [{"insertDimension": {"inheritFromBefore": inherit, "range": {
        "sheetId": live.sheet_id(sid, sheet), "dimension": "COLUMNS", "startIndex": index, "endIndex": index + 1}}}])


def _landed_right_after_v21(live: Live, sid: str, baseline: Baseline) -> None:
    """No v2.1 header changed; the three 3.0 columns exist once each, tagged, right after the last v2.1 column;
    every row with a TAG_SPOOL has its `version` default."""
    before = [str(h) for h in baseline.sheets["Operaciones"][0]]
    width = len(before)
    header = live.header(sid, "Operaciones")
    assert header[:width] == before, header
    assert header[width:width + 3] == V30_COLUMNS, header
    assert [h for h in header if h in V30_COLUMNS] == V30_COLUMNS, header
    assert live.header(sid, "Metadata") == [str(h) for h in baseline.sheets["Metadata"][0]]
    ops = live.sheet_id(sid, "Operaciones")
    tags = {}
    for m in live.metadata(sid, MetaKey.COLUMN):
        where = m["location"]["dimensionRange"]
        assert where.get("sheetId", 0) == ops and where["endIndex"] == where["startIndex"] + 1, m
        tags[where["startIndex"]] = m["metadataValue"]
    assert tags == {width + j: name for j, name in enumerate(V30_COLUMNS)}, tags
    rows = live.values(sid, "'Operaciones'", "FORMULA")
    tag, version = before.index("TAG_SPOOL"), width + V30_COLUMNS.index("version")
    keyed = [r for r in rows[1:] if len(r) > tag and str(r[tag]).strip()]
    assert keyed and all(len(r) > version and r[version] == 0 for r in keyed), "a TAG_SPOOL row lacks version 0"


def test_a_column_inserted_at_c_while_the_batch_is_held_loses_no_v21_column(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Finding 1: the bridge used to append and write `Ocupado_Por` over the shifted `Precio Total` header."""
    sid = new_sheet()
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: _insert_columns(live, sid, "Operaciones", 2))
    assert lost_cells(live, sid, baseline) == []
    _landed_right_after_v21(live, sid, baseline)
    assert live.header(sid, "Operaciones")[len(baseline.sheets["Operaciones"][0]) - 1] == LAST_V21
    result = _bridge_result(cli, sid, run)
    change = result["concurrentStructureChange"]
    assert change and change["settled"] is True, result
    assert "moved after" in change["message"] and LAST_V21 in change["message"], change
    width = len(baseline.sheets["Operaciones"][0])
    letters = [c["letter"] for c in result["columns"] if c["sheet"] == "Operaciones"]
    assert letters == [_letter(width + j) for j in range(3)], result["columns"]
    # The history row holds the final result too, so a replay of the operation says where the columns are.
    rows = history(live, sid)
    assert [(h["action"], h["status"]) for h in rows] == [("backup", "done"), ("apply", "applied")]
    recorded = json.loads(rows[1]["details"])["result"]
    assert recorded["columns"] == result["columns"] and recorded["concurrentStructureChange"] == change
    assert run.code in (0, ExitCode.VERIFY_FAILED), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    print("exit code with a column inserted at C:", run.code)


def test_an_empty_spare_column_deleted_while_the_batch_is_held(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """The planned insert index becomes the grid's end: Google takes an insert there (inheritFromBefore)."""
    sid = new_sheet()
    sheet_id = live.sheet_id(sid, "Operaciones")
    live.batch_update(sid, [{"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS", "length": 1}}])
    spare = _columns(live, sid, "Operaciones") - 1
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: live.batch_update(sid, [{"deleteDimension": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": spare, "endIndex": spare + 1}}}]))
    assert lost_cells(live, sid, baseline) == []
    _landed_right_after_v21(live, sid, baseline)
    assert _columns(live, sid, "Operaciones") == spare + 3
    assert run.code == 0, (run.code, run.stdout[-3000:], run.stderr[-3000:])


def test_a_blank_v21_column_deleted_while_the_batch_is_held_is_planned_again_and_refused_as_drift(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """With no spare column the planned index is past the new grid's end: Google refuses the whole batch, the
    bridge re-reads under the same lock, and the new plan sees the header changed — nothing was changed."""
    sid = new_sheet()
    header = live.header(sid, "Operaciones")
    sheet_id = live.sheet_id(sid, "Operaciones")
    at = header.index(BLANK_V21)
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: live.batch_update(sid, [{"deleteDimension": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": at, "endIndex": at + 1}}}]))
    assert lost_cells(live, sid, baseline) == []
    assert run.code == ExitCode.REFUSED and run.error["code"] == "DRIFT", (run.code, run.stdout[-3000:])
    assert "the Operaciones header changed" in run.message and "nothing was changed" in run.message, run.message
    assert live.header(sid, "Operaciones") == [str(h) for h in baseline.sheets["Operaciones"][0]]
    assert live.metadata(sid, MetaKey.COLUMN) == []
    assert [h["action"] for h in history(live, sid)] == ["backup"]


def test_a_column_moved_while_the_batch_is_held(cli: Cli, live: Live, emulator: Emulator,
                                                new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    sheet_id = live.sheet_id(sid, "Operaciones")
    width = _columns(live, sid, "Operaciones")
    # Column C (OT) dragged to the far right, after Precio Total.
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: live.batch_update(sid, [{"moveDimension": {
        "source": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3},
        "destinationIndex": width}}]))
    assert baseline.sheets["Operaciones"][0][-1] == "OT"
    assert lost_cells(live, sid, baseline) == []
    _landed_right_after_v21(live, sid, baseline)
    assert run.code in (0, ExitCode.VERIFY_FAILED), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    print("exit code with a column moved:", run.code)


def test_a_column_inserted_at_the_far_right_while_the_batch_is_held(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    width = _columns(live, sid, "Operaciones")
    run, baseline = _apply_with_human(cli, live, emulator, sid,
                                      lambda: _insert_columns(live, sid, "Operaciones", width, inherit=True))
    assert lost_cells(live, sid, baseline) == []
    _landed_right_after_v21(live, sid, baseline)
    # The person's column is still there, blank, after the new ones.
    assert _columns(live, sid, "Operaciones") == width + 1 + 3
    assert run.code in (0, ExitCode.VERIFY_FAILED), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    print("exit code with a column inserted at the far right:", run.code)


def _validations(live: Live, sid: str, sheet: str, column: int) -> list[Any]:
    letter = _letter(column)
    got = live.sheets.spreadsheets().get(spreadsheetId=sid, ranges=[f"'{sheet}'!{letter}2:{letter}"],
                                         fields="sheets.data.rowData.values.dataValidation").execute()
    rows = got["sheets"][0]["data"][0].get("rowData", [])
    return [((r.get("values") or [{}])[0]).get("dataValidation") for r in rows]


def test_a_metadata_column_inserted_while_the_batch_is_held_keeps_each_validation_on_its_column(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Finding 1, item 3: the event-type validation is placed by index. A column inserted at A of Metadata
    shifts `timestamp` (which has its own validation here) to `evento_tipo`'s old index."""
    sid = new_sheet()
    header = live.header(sid, "Metadata")
    event, left = header.index("evento_tipo"), header.index("evento_tipo") - 1
    rows = live.grid(sid, "Metadata")["rowCount"]
    own = {"condition": {"type": "TEXT_CONTAINS", "values": [{"userEnteredValue": "-"}]}, "strict": False}
    live.batch_update(sid, [{"setDataValidation": {"rule": own, "range": {
        "sheetId": live.sheet_id(sid, "Metadata"), "startRowIndex": 1, "endRowIndex": rows,
        "startColumnIndex": left, "endColumnIndex": left + 1}}}])
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: _insert_columns(live, sid, "Metadata", 0))
    assert lost_cells(live, sid, baseline) == []
    assert live.header(sid, "Metadata") == [str(h) for h in baseline.sheets["Metadata"][0]]
    moved_left, moved_event = left + 1, event + 1
    kept = _validations(live, sid, "Metadata", moved_left)
    assert kept and all(v == own for v in kept), kept[:3]
    registry = _validations(live, sid, "Metadata", moved_event)
    assert registry and all(v and v["condition"]["type"] == "ONE_OF_LIST" for v in registry), registry[:3]
    assert "TOMAR_SPOOL" in [x["userEnteredValue"] for x in registry[0]["condition"]["values"]]
    assert not any(_validations(live, sid, "Metadata", 0)), "the person's new column got a validation"
    change = _bridge_result(cli, sid, run)["concurrentStructureChange"]
    assert change and "event-type validation" in change["message"], change
    assert run.code in (0, ExitCode.VERIFY_FAILED), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    print("exit code with a Metadata column inserted:", run.code)


def test_a_row_inserted_while_the_batch_is_held_leaves_no_tagged_row_without_its_default(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Finding 1, item 4: defaults are written per row from the keys read before the batch; a blank row inserted
    at row 5 shifts every key below it. The bridge fills the empty default cells of keyed rows afterwards."""
    sid = new_sheet()
    sheet_id = live.sheet_id(sid, "Operaciones")
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: live.batch_update(sid, [{"insertDimension": {
        "inheritFromBefore": False, "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 4,
                                              "endIndex": 5}}}]))
    assert lost_cells(live, sid, baseline) == []
    _landed_right_after_v21(live, sid, baseline)
    change = _bridge_result(cli, sid, run)["concurrentStructureChange"]
    assert change and "version default(s) filled" in change["message"], change
    assert "without a TAG_SPOOL" in change["message"], change
    assert run.code in (0, ExitCode.VERIFY_FAILED), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    print("exit code with a row inserted:", run.code)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def test_keyed_rows_moved_below_the_data_while_the_batch_is_held_get_their_defaults(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Finding 1, item 4, as a sort does it (the emulator has no sortRange; a row move reorders the same way): ten
    keyed rows dragged below the data. The batch writes `version` where the keys were; the bridge fills the rows
    the keys moved to and leaves the defaults that landed on rows now without a key as they are."""
    sid = new_sheet()
    sheet_id = live.sheet_id(sid, "Operaciones")
    rows = live.grid(sid, "Operaciones")["rowCount"]
    planned = _keyed_rows(Baseline.read(live, sid))
    run, baseline = _apply_with_human(cli, live, emulator, sid, lambda: live.batch_update(sid, [{"moveDimension": {
        "source": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 1, "endIndex": 11},
        "destinationIndex": rows - 5}}]))
    assert lost_cells(live, sid, baseline) == []
    _landed_right_after_v21(live, sid, baseline)
    moved = _keyed_rows(baseline)
    filled, stray = len(moved - planned), len(planned - moved)
    assert filled >= 10 and stray >= 10, (filled, stray)
    change = _bridge_result(cli, sid, run)["concurrentStructureChange"]
    assert change and f"{filled} version default(s) filled" in change["message"], change
    assert f"{stray} version value(s) on rows without a TAG_SPOOL" in change["message"], change
    assert run.code in (0, ExitCode.VERIFY_FAILED), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    print("exit code with keyed rows moved:", run.code)


def _keyed_rows(baseline: Baseline) -> set[int]:
    """The 1-based numbers of the Operaciones rows that have a TAG_SPOOL."""
    ops = baseline.sheets["Operaciones"]
    tag = [str(h) for h in ops[0]].index("TAG_SPOOL")
    return {i + 1 for i, r in enumerate(ops) if i and len(r) > tag and str(r[tag]).strip()}
