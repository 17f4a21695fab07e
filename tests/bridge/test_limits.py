"""Google's limits, checked by the bridge before it builds or sends a batch: the exact cell budget (history sheet
included), a default over 50,000 characters, and history details shortened to fit their cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.codegen import owner_text
from orchestrator.contract.limits import CELL_LIMIT, HISTORY_GRID_ROWS, MAX_CELL_CHARS
from orchestrator.engine.state import HISTORY_COLUMNS
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.bridge.conftest import v30
from tests.bridge.helpers import HISTORY, apply, history
from tests.bridge.test_menu import menu
from tests.support.cells import FILLER, cell_count, resource_cells, with_filler
from tests.support.live import BridgeError, Live, op_id

SPOOLS = 20
HISTORY_CELLS = HISTORY_GRID_ROWS * len(HISTORY_COLUMNS)


def small() -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=SPOOLS, seed=3))


def ops_rows(resource: dict[str, Any]) -> int:
    return int(resource["sheets"][0]["properties"]["gridProperties"]["rowCount"])


def near_the_limit(over: int) -> dict[str, Any]:
    """A workbook that applying 3.0 (3 columns, and the history sheet its record creates) takes to exactly
    CELL_LIMIT + `over` cells."""
    resource = small()
    return with_filler(resource, CELL_LIMIT + over - 3 * ops_rows(resource) - HISTORY_CELLS)


def grids(live: Live, sid: str) -> list[tuple[str, dict[str, Any]]]:
    got = live.sheets.spreadsheets().get(spreadsheetId=sid, fields="sheets.properties(title,gridProperties)").execute()
    return [(s["properties"]["title"], s["properties"]["gridProperties"]) for s in got["sheets"]]


def test_an_apply_that_lands_exactly_on_the_limit_is_accepted(live: Live, emulator: Any) -> None:
    resource = near_the_limit(0)
    sid = emulator.create_spreadsheet(resource)
    result = apply(live, sid, v30())
    assert result["status"] == "applied"
    assert cell_count(live, sid) == CELL_LIMIT
    assert result["cellsAdded"] == CELL_LIMIT - resource_cells(resource) == 3 * ops_rows(resource) + HISTORY_CELLS


def test_one_cell_more_is_refused_before_anything_changes(live: Live, emulator: Any) -> None:
    sid = emulator.create_spreadsheet(near_the_limit(1))
    before = grids(live, sid)
    for function in ("planMigration", "applyMigration"):
        with pytest.raises(BridgeError) as err:
            live.run(function, {"opId": op_id(), "spreadsheetId": sid, "migration": v30()})
        assert err.value.code == "ZEUES_CELL_LIMIT", err.value.message
        for words in (f"to {CELL_LIMIT + 1} cells", f"+{HISTORY_CELLS} history sheet", "over Google's limit of 10000000",
                      "delete unused empty rows or columns"):
            assert words in err.value.message, err.value.message
    assert grids(live, sid) == before and HISTORY not in dict(before)


def test_the_budget_counts_history_rows_that_grow_a_full_history_grid(live: Live, new_sheet: Callable[..., str]) -> None:
    """The history grid is created with HISTORY_GRID_ROWS rows (the contract the orchestrator counts with), and
    an appended row past its end grows it by one row of 10 cells."""
    sid = new_sheet(spools=SPOOLS)
    live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid})
    assert live.grid(sid, HISTORY)["rowCount"] == HISTORY_GRID_ROWS
    assert live.grid(sid, HISTORY)["columnCount"] == len(HISTORY_COLUMNS)
    filler = [["", "", "note", "done", "", "", "", "", f"by-hand-{i:04d}", "{}"] for i in range(HISTORY_GRID_ROWS - 2)]
    live.update(sid, f"'{HISTORY}'!A3", filler, "RAW")  # rows 3..100: the grid is full
    before = cell_count(live, sid)
    rows = live.grid(sid, "Operaciones")["rowCount"]
    result = apply(live, sid, v30())
    assert cell_count(live, sid) - before == result["cellsAdded"] == 3 * rows + len(HISTORY_COLUMNS)
    assert live.grid(sid, HISTORY)["rowCount"] == HISTORY_GRID_ROWS + 1


def test_the_menu_refuses_over_the_limit_before_its_question_and_its_backup(emulator: Any, live: Live) -> None:
    sid = emulator.create_spreadsheet(near_the_limit(1))
    copies = len(emulator.state()["spreadsheets"])
    run = menu(emulator, sid, "menuApplyPending")  # no answer scripted: a question would fail the run
    (alert,) = run["alerts"]
    assert alert["prompt"] == owner_text("common.nothingChanged", "es", why=owner_text("refusal.cellLimit", "es")), alert
    assert len(emulator.state()["spreadsheets"]) == copies, "no backup"
    assert HISTORY not in live.sheet_titles(sid)

    sid = emulator.create_spreadsheet(near_the_limit(0))  # the menu's backup row goes in the same new history sheet
    assert "Se aplicó" in menu(emulator, sid, "menuApplyPending", "YES")["alerts"][-1]["prompt"]
    assert cell_count(live, sid) == CELL_LIMIT


def rollback_net(live: Live, sid: str) -> int:
    """What rolling back 3.0 adds: the archive (a header and one row per spool: every spool has version 0)
    minus the three columns."""
    return (SPOOLS + 1) * (3 + 3) - 3 * live.grid(sid, "Operaciones")["rowCount"]


def applied_near_the_limit(live: Live, emulator: Any, over: int) -> str:
    """3.0 applied, then the workbook grown so that rolling it back peaks `over` cells past CELL_LIMIT. An archive
    can outweigh the columns it replaces (here a grid with no empty row: each archived row is six cells, each
    deleted row three); the capture sheet (the deleted columns copied first, as tall as Operaciones and as wide as
    its rightmost deleted column) is there from the start of the batch to its follow-up, so it counts at the peak."""
    resource = small()
    ops = resource["sheets"][0]
    ops["properties"]["gridProperties"]["rowCount"] = len(ops["data"][0]["rowData"])
    sid = emulator.create_spreadsheet(with_filler(resource, resource_cells(resource) + 1))
    apply(live, sid, v30())
    net = rollback_net(live, sid)
    assert net > 0
    grid = live.grid(sid, "Operaciones")
    capture = grid["rowCount"] * grid["columnCount"]  # the 3.0 columns are the rightmost
    grow = CELL_LIMIT + over - net - capture - cell_count(live, sid)
    live.batch_update(sid, [{"appendDimension": {"sheetId": 4242, "dimension": "ROWS", "length": grow}}])
    return str(sid)


@pytest.mark.parametrize("over", [0, 1])
def test_a_rollback_over_the_limit_is_refused_and_one_at_it_accepted(live: Live, emulator: Any, over: int) -> None:
    sid = applied_near_the_limit(live, emulator, over)
    request = {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"}
    if over:
        before = grids(live, sid)
        with pytest.raises(BridgeError) as err:
            live.run("rollbackMigration", request)
        assert err.value.code == "ZEUES_CELL_LIMIT" and f"to {CELL_LIMIT + 1} cells" in err.value.message
        assert "rolling back 3.0" in err.value.message and "archive sheet" in err.value.message
        assert grids(live, sid) == before
    else:
        assert live.run("rollbackMigration", request)["status"] == "rolled_back"
        grid = live.grid(sid, "Operaciones")
        assert cell_count(live, sid) == CELL_LIMIT - grid["rowCount"] * (grid["columnCount"] + 3)  # capture gone
    assert FILLER in live.sheet_titles(sid)


def test_the_menu_refuses_a_rollback_over_the_limit_before_its_question_and_its_backup(live: Live,
                                                                                       emulator: Any) -> None:
    sid = applied_near_the_limit(live, emulator, 1)  # the menu's backup row fits in the history sheet's grid
    copies = len(emulator.state()["spreadsheets"])
    (alert,) = menu(emulator, sid, "menuRollbackLast")["alerts"]
    assert alert["prompt"] == owner_text("common.nothingChanged", "es", why=owner_text("refusal.cellLimit", "es")), alert
    assert len(emulator.state()["spreadsheets"]) == copies, "no backup"
    assert [r["action"] for r in history(live, sid)] == ["apply"]


def with_default(text: str) -> dict[str, Any]:
    migration = v30()
    migration["operations"][0]["columns"][0]["default"] = text
    return migration


def test_a_default_over_50000_characters_is_refused_before_the_batch(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=5)
    snapshot = live.snapshot(sid)
    for function in ("planMigration", "applyMigration"):
        with pytest.raises(BridgeError) as err:
            live.run(function, {"opId": op_id(), "spreadsheetId": sid, "migration": with_default("x" * 50_001)})
        assert err.value.code == "ZEUES_CELL_LIMIT"
        for words in ('the default of Operaciones column "Ocupado_Por" is 50001 characters',
                      "over Google's limit of 50000 per cell", "shorten it in orchestrator/migrations/3.0.json"):
            assert words in err.value.message, err.value.message
    assert live.snapshot(sid) == snapshot

    assert apply(live, sid, with_default("y" * MAX_CELL_CHARS))["status"] == "applied"
    header = live.header(sid, "Operaciones")
    column = header.index("Ocupado_Por")
    tags = [r[header.index("TAG_SPOOL")] for r in live.values(sid, "Operaciones!A2:ZZ")[:3]]
    written = live.values(sid, "Operaciones!A2:ZZ")[0][column]
    assert tags and written == "y" * MAX_CELL_CHARS


def last_details(live: Live, sid: str) -> tuple[str, dict[str, Any]]:
    text = history(live, sid)[-1]["details"]
    return text, json.loads(text)


def test_a_resolve_note_too_long_for_its_cell_is_cut_and_the_result_replays(live: Live,
                                                                           new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=5)
    live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid})
    live.update(sid, f"'{HISTORY}'!A3", [["3.0", "sha256:0", "apply", "failed", "", "", "", "", "op-failed-0001", "{}"]],
                "RAW")
    note = "revisado por Mauricio; " * 3000  # 69,000 characters
    request = {"opId": op_id(), "spreadsheetId": sid, "note": note}
    result = live.run("resolveFailure", request)
    assert result == {"status": "resolved", "resolvedOperation": "op-failed-0001"}
    text, details = last_details(live, sid)
    assert len(text) <= MAX_CELL_CHARS and details["truncated"] is True
    assert details["result"] == result, "the result survives whole"
    assert note.startswith(details["note"][:-1]) and details["note"].endswith("…")
    assert live.run("resolveFailure", request) == {**result, "replayed": True}
    assert len(history(live, sid)) == 3, "the replay did not act again"


def test_a_hold_reason_too_long_is_cut_inside_the_result_which_still_replays(live: Live,
                                                                            new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=5)
    request = {"opId": op_id(), "spreadsheetId": sid, "hold": True, "reason": "inventario anual " * 4000}
    held = live.run("setHold", request)
    assert held["status"] == "held"
    text, details = last_details(live, sid)
    assert len(text) <= MAX_CELL_CHARS and details["truncated"] is True and details["result"]["truncated"] is True
    assert details["result"]["status"] == "held" and details["result"]["hold"]["by"] == held["hold"]["by"]
    assert held["hold"]["reason"].startswith(details["result"]["hold"]["reason"][:-1])
    replayed = live.run("setHold", request)
    assert replayed["replayed"] is True and replayed["status"] == "held"
    assert replayed == {**details["result"], "replayed": True}


def test_the_bridge_reads_its_state_in_two_requests(live: Live, emulator: Any, new_sheet: Callable[..., str]) -> None:
    """Each bridge read counts against the user's read quota like ours (docs/benchmarks.md): the state every call
    starts from is two reads — the grids with the spreadsheet's metadata, then the header rows, the columns'
    metadata and the history together — not four (a metadata search and a history read of their own)."""
    sid = new_sheet(spools=SPOOLS)
    apply(live, sid, v30())  # column tags, the schema version and history rows to be read back
    expected = live.run("describeSchema", {"spreadsheetId": sid})
    emulator.fault(quotaPerMinute=2)  # a third read within the minute gets Google's 429
    try:
        state = live.run("describeSchema", {"spreadsheetId": sid})
    finally:
        emulator.reset()
    assert state == expected
    assert {t["name"] for t in state["columnTags"]} >= {"Ocupado_Por", "Fecha_Ocupacion", "version"}
    assert [h["action"] for h in state["history"]] == ["apply"] and state["schemaVersion"]
