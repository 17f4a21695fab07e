"""The cell budget: what a run does to the workbook's cell count, exactly as Google counts it against its limit
(every sheet's rowCount × columnCount, hidden sheets too), worked out before anything is written.

Everything a run adds counts, not only the new columns: its backup and its change each append a row to the
history sheet `_zeues_migrations`, whose first row creates the sheet (a grid of HISTORY_GRID_ROWS × 10) and
whose rows grow the grid by one once it has no empty row left (appendCells "inserts new rows if necessary"); a
rollback adds its archive sheet and removes the migration's columns. The bridge computes the same for its own
batch (appsscript/Budget.js) and refuses over the limit under the lock; this one answers `plan`, `doctor` and the
preflights, so a change over the limit is refused before any backup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from orchestrator.contract.limits import CELL_LIMIT, HISTORY_GRID_ROWS
from orchestrator.contract.sheets import ARCHIVE_COLUMNS, HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.domain.columns import column_letter, quote_sheet
from orchestrator.engine.state import LiveState
from orchestrator.google.sheets import SheetsReader
from orchestrator.migrations.spec import AddColumns, Migration

_READ_ROWS = 20_000  # rows of each column per read when counting what a rollback archives: well under 2 MB


class CellBudget(BaseModel):
    """Cells before and after a run, and the most it reaches on the way (a rollback deletes, then adds)."""

    model_config = ConfigDict(frozen=True)

    before: int
    after: int
    peak: int
    limit: int = CELL_LIMIT
    columns: int = 0  # added by new columns (negative: removed with deleted ones)
    history: int = 0  # the history sheet: created, or grown by its appended rows
    archive: int = 0  # a rollback's archive sheet
    capture: int = 0  # a rollback's capture sheets: in the peak while it runs, gone from `after`

    @property
    def over(self) -> bool:
        return self.peak > self.limit

    def parts(self) -> str:
        """What changes the count: `+1,416 columns, +1,000 history sheet` (empty when nothing does)."""
        return ", ".join(f"{n:+,} {what}" for n, what in ((self.columns, "columns"), (self.history, "history sheet"),
                                                          (self.archive, "archive sheet"),
                                                          (self.capture, "capture sheets while it runs")) if n)

    def describe(self) -> str:
        """`39,318 -> 41,734 of 10,000,000 (+1,416 columns, +1,000 history sheet)`."""
        parts = self.parts()
        return f"{self.before:,} -> {self.after:,} of {self.limit:,}" + (f" ({parts})" if parts else "")


class _Count:
    """The grids a run changes, step by step."""

    def __init__(self, state: LiveState) -> None:
        self.cells = state.cell_count
        self.rows = {s.title: s.row_count for s in state.sheets}
        history = state.sheet(HISTORY_SHEET)
        self.history_grid = (history.row_count, history.column_count) if history else None
        self.history_last_row = max(state.history_last_row, 1 + len(state.history)) if history else 0
        self.start()

    def start(self) -> None:
        """The next run starts here."""
        self.before = self.peak = self.cells
        self.parts = {"columns": 0, "history": 0, "archive": 0, "capture": 0}

    def _add(self, part: str, cells: int) -> None:
        self.cells += cells
        self.parts[part] += cells
        self.peak = max(self.peak, self.cells)

    def history_row(self) -> None:
        """The bridge appends one history row: the first creates the sheet (header in row 1)."""
        if self.history_grid is None:
            self.history_grid, self.history_last_row = (HISTORY_GRID_ROWS, len(HISTORY_COLUMNS)), 1
            self._add("history", HISTORY_GRID_ROWS * len(HISTORY_COLUMNS))
        rows, columns = self.history_grid
        self.history_last_row += 1
        if self.history_last_row > rows:
            self.history_grid = (self.history_last_row, columns)
            self._add("history", (self.history_last_row - rows) * columns)

    def columns(self, sheet: str, count: int) -> None:
        """`count` columns inserted (negative: deleted) in `sheet`: each is the sheet's rowCount cells."""
        self._add("columns", count * self.rows.get(sheet, 0))

    def sheet(self, rows: int, columns: int) -> None:
        self._add("archive", rows * columns)

    def capture(self, rows: int, columns: int) -> None:
        self._add("capture", rows * columns)

    def capture_gone(self) -> None:
        """The rollback's follow-up deletes its capture sheets: they leave the count, not the peak."""
        self.cells -= self.parts["capture"]

    def budget(self) -> CellBudget:
        return CellBudget(before=self.before, after=self.cells, peak=self.peak, **self.parts)


def apply_budgets(state: LiveState, migrations: Sequence[Migration], *, backed_up: bool = False) -> list[CellBudget]:
    """One budget per migration, applied in order as `apply` runs them, each starting where the one before ends:
    the backup's history row (not for the first when `backed_up`: a resumed run made it already), then one
    batchUpdate with the new columns (each the sheet's rowCount cells) and the apply's history row."""
    count = _Count(state)
    budgets = []
    for i, migration in enumerate(migrations):
        count.start()
        if i or not backed_up:
            count.history_row()  # the backup's record
        for op in migration.operations:
            if isinstance(op, AddColumns):
                count.columns(op.sheet, len(op.columns))
        count.history_row()
        budgets.append(count.budget())
    return budgets


def apply_budget(state: LiveState, migrations: Sequence[Migration]) -> CellBudget:
    """The budget of applying every one of `migrations`, in order."""
    steps = apply_budgets(state, migrations)
    if not steps:
        return CellBudget(before=state.cell_count, after=state.cell_count, peak=state.cell_count)
    return CellBudget(before=steps[0].before, after=steps[-1].after, peak=max(b.peak for b in steps),
                      columns=sum(b.columns for b in steps), history=sum(b.history for b in steps),
                      archive=sum(b.archive for b in steps), capture=sum(b.capture for b in steps))


def rollback_budget(state: LiveState, columns: Sequence[tuple[str, int]], archive_rows: int, *,
                    key_columns: Mapping[str, int] | None = None, backed_up: bool = False) -> CellBudget:
    """`rollback`: the backup's history row (unless `backed_up`), then one batchUpdate that first copies, per sheet,
    every column it deletes and the sheet's key column (`key_columns`: sheet -> index) into a capture sheet as tall
    as the sheet and as wide as the rightmost of them (Rollback.js), deletes the migration's `columns` (sheet,
    index), adds the archive sheet (a header row and `archive_rows` rows; the contract's ARCHIVE_COLUMNS and one
    column per removed column) and appends the rollback's history row; its follow-up deletes the captures."""
    count = _Count(state)
    if not backed_up:
        count.history_row()
    keys = key_columns or {}
    rightmost: dict[str, int] = {}
    for sheet, index in columns:
        rightmost[sheet] = max(rightmost.get(sheet, -1), index, keys.get(sheet, -1))
    for sheet, index in rightmost.items():
        count.capture(count.rows.get(sheet, 0), index + 1)
    for sheet, _index in columns:
        count.columns(sheet, -1)
    count.sheet(archive_rows + 1, len(ARCHIVE_COLUMNS) + len(columns))
    count.history_row()
    count.capture_gone()
    return count.budget()


def archive_rows(reader: SheetsReader, state: LiveState, columns: Sequence[tuple[str, int]]) -> int:
    """How many rows a rollback archives: per sheet, the rows from 2 down with a value in any of the columns
    (`(sheet, 0-based column)`), as Rollback.js archiveRequests_ counts them (formulas count, formats do not)."""
    total = 0
    by_sheet: dict[str, list[int]] = {}
    for sheet, column in columns:
        by_sheet.setdefault(sheet, []).append(column)
    for title, indexes in by_sheet.items():
        info = state.sheet(title)
        if info is None:
            continue
        quoted = quote_sheet(title)
        with_content: set[int] = set()
        for first in range(2, info.row_count + 1, _READ_ROWS):
            last = min(first + _READ_ROWS - 1, info.row_count)
            ranges = [f"{quoted}!{column_letter(c)}{first}:{column_letter(c)}{last}" for c in indexes]
            for got in reader.values_batch_get(state.spreadsheet_id, ranges, "FORMULA",
                                               grids={title: info.grid}):
                with_content.update(first + i for i, row in enumerate(got["values"]) if any(v != "" for v in row))
        total += len(with_content)
    return total
