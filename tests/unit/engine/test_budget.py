"""The cell budget: every cell a run adds, as Google counts the workbook (engine/budget.py)."""

from __future__ import annotations

import pytest

from orchestrator.contract.limits import CELL_LIMIT, HISTORY_GRID_ROWS
from orchestrator.engine.budget import apply_budget, apply_budgets, rollback_budget
from orchestrator.engine.preflight import check_apply
from orchestrator.engine.state import HISTORY_COLUMNS, HISTORY_SHEET, HistoryRow, LiveState, SheetInfo
from orchestrator.migrations import MIGRATIONS_DIR, load_migrations
from orchestrator.migrations.spec import Migration

V30 = next(m for m in load_migrations(MIGRATIONS_DIR) if m.id == "3.0")
HISTORY_CELLS = HISTORY_GRID_ROWS * len(HISTORY_COLUMNS)


def sheet(title: str, rows: int, columns: int, sheet_id: int = 0, header: tuple[str, ...] = ()) -> SheetInfo:
    return SheetInfo(sheet_id=sheet_id, title=title, index=sheet_id, hidden=False, row_count=rows,
                     column_count=columns, frozen_rows=1, header=list(header))


def row(action: str = "backup") -> HistoryRow:
    return HistoryRow(migration_id="", checksum="", action=action, status="done", started_at="", finished_at="",
                      who="", backup_id="", operation_id="op-00000001", details="{}")


def state(ops_rows: int = 1349, history: tuple[int, int] | None = None, last_row: int = 0,
          extra: list[SheetInfo] | None = None) -> LiveState:
    """Operaciones (rows × 64) and Metadata; `history` = the history sheet's grid, `last_row` its last data row."""
    sheets = [sheet("Operaciones", ops_rows, 64, 0, ("id", "TAG_SPOOL")),
              sheet("Metadata", 2000, 10, 1, ("id", "evento_tipo")), *(extra or [])]
    if history:
        sheets.append(sheet(HISTORY_SHEET, history[0], history[1], 99))
    return LiveState(spreadsheet_id="s", title="t", time_zone="America/Santiago", sheets=sheets,
                     schema_version=None, event_types=None, hold=None, tags=[],
                     history=[row() for _ in range(max(last_row - 1, 0))], history_last_row=last_row)


def test_a_first_apply_counts_the_history_sheet_it_creates() -> None:
    s = state()
    budget = apply_budget(s, [V30])
    assert budget.before == s.cell_count == 1349 * 64 + 2000 * 10
    assert budget.columns == 3 * 1349 and budget.history == HISTORY_CELLS == 1000
    assert budget.after == budget.peak == s.cell_count + 3 * 1349 + 1000
    assert budget.describe() == (f"{s.cell_count:,} -> {budget.after:,} of 10,000,000 "
                                 f"(+{3 * 1349:,} columns, +1,000 history sheet)")


@pytest.mark.parametrize(("last_row", "grown_rows"), [(50, 0), (99, 1), (100, 2), (98, 0)])
def test_history_rows_grow_the_grid_only_when_it_is_full(last_row: int, grown_rows: int) -> None:
    """The backup's row and the apply's row: appendCells adds a grid row only past the grid's last row."""
    s = state(history=(100, 10), last_row=last_row)
    budget = apply_budget(s, [V30])
    assert budget.history == grown_rows * 10
    assert budget.after == s.cell_count + 3 * 1349 + grown_rows * 10


def test_blank_history_rows_still_take_their_place() -> None:
    """The last row with data decides where a row is appended, not how many rows hold a record."""
    s = state(history=(100, 10), last_row=100).model_copy(update={"history": [row()]})
    assert apply_budget(s, [V30]).history == 20


def test_a_resumed_run_does_not_count_its_backup_again() -> None:
    s = state(history=(100, 10), last_row=99)
    assert apply_budgets(s, [V30], backed_up=True)[0].history == 0
    assert apply_budgets(s, [V30])[0].history == 10


def test_pending_migrations_chain() -> None:
    v31 = Migration.model_validate({"id": "3.1", "description": "d", "operations": [{
        "kind": "add_columns", "sheet": "Operaciones", "key_column": "TAG_SPOOL", "columns": [{"name": "Estado"}]}]})
    s = state()
    first, second = apply_budgets(s, [V30, v31])
    assert second.before == first.after and second.columns == 1349 and second.history == 0
    assert apply_budget(s, [V30, v31]).after == second.after == s.cell_count + 4 * 1349 + 1000
    assert apply_budget(s, []).after == s.cell_count


def test_a_rollback_captures_then_deletes_then_adds_its_archive() -> None:
    s = state(ops_rows=1000, history=(100, 10), last_row=3)
    budget = rollback_budget(s, [("Operaciones", 66), ("Operaciones", 67), ("Operaciones", 68)], archive_rows=400,
                             key_columns={"Operaciones": 3})
    assert budget.columns == -3000 and budget.archive == 401 * 6 and budget.history == 0
    assert budget.capture == 1000 * 69  # as tall as the sheet, as wide as the rightmost deleted column
    assert budget.after == s.cell_count - 3000 + 2406  # the captures are gone at the end
    assert budget.peak == s.cell_count + 69_000  # the captures come first in the one batchUpdate
    # A key column right of the deleted ones widens the capture.
    wider = rollback_budget(s, [("Operaciones", 2)], archive_rows=0, key_columns={"Operaciones": 9})
    assert wider.capture == 1000 * 10 and wider.after == s.cell_count - 1000 + 4


def test_the_limit_is_exact() -> None:
    """At exactly the limit after the apply: accepted; one cell more: refused, naming what adds the cells."""
    base = state()
    room = CELL_LIMIT - apply_budget(base, [V30]).after
    at_limit = state(extra=[sheet("Relleno", room, 1, 7)])
    assert apply_budget(at_limit, [V30]).after == CELL_LIMIT
    assert not [f for f in check_apply(at_limit, V30) if f.level == "error"]
    over = state(extra=[sheet("Relleno", room + 1, 1, 7)])
    (refusal,) = [f for f in check_apply(over, V30) if f.level == "error"]
    assert refusal.code == "CELL_LIMIT"
    for words in (f"{CELL_LIMIT + 1:,} cells", "+1,000 history sheet", "over Google's limit of 10,000,000",
                  "delete unused empty rows or columns"):
        assert words in refusal.message, refusal.message
