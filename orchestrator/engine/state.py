"""The live state of a spreadsheet as the Sheets API shows it: sheets, headers, zeues developer metadata and
the history sheet. The orchestrator decides and verifies from this, never from the bridge's own account.

Two read requests, whatever the size of the sheet (the first attempt's five whole-sheet reads at start-up hit
the per-minute quota, failure 8): one `spreadsheets.get` for the sheets, their grids and the spreadsheet's own
developer metadata, then one `spreadsheets.get` of every header row (with a sample of the first data rows: what
a row costs, which sizes the first read of the sheet) and the history rows, with the columns' developer metadata
(the column tags) that comes with those ranges. That is everything `developerMetadata.search`
for the zeues keys would find that the state uses: metadata on the spreadsheet and on single columns (Google
allows no other column location); metadata on sheets and rows is not the tool's.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from orchestrator.contract.metadata import MetaKey
from orchestrator.contract.sheets import HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.domain.columns import column_letter, normalize_header, quote_sheet
from orchestrator.google.sheets import Grid, SheetsReader

# The developer-metadata keys the live state is read from (orchestrator/contract/metadata.py); not a backup's
# `zeues.backup_of`, which no live sheet carries.
META_KEYS = (MetaKey.SCHEMA_VERSION, MetaKey.EVENT_TYPES, MetaKey.HOLD, MetaKey.COLUMN, MetaKey.MIGRATION)


class StateError(Exception):
    """The spreadsheet is not in a state the tool can work with; the message says why and what to do."""


class SheetInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    sheet_id: int
    title: str
    index: int
    hidden: bool
    row_count: int
    column_count: int
    frozen_rows: int
    header: list[str]
    # What a data row costs in a values read, from the first few (as JSON): sizes the first read of the sheet
    # (google/sheets.py SheetRange.row_bytes). None when they are empty.
    row_bytes: float | None = None

    @property
    def cells(self) -> int:
        return self.row_count * self.column_count

    @property
    def grid(self) -> Grid:
        """The grid every read of this sheet is built inside."""
        return Grid(rows=self.row_count, columns=self.column_count)


class ColumnTag(BaseModel):
    model_config = ConfigDict(frozen=True)

    sheet: str
    column: int
    name: str
    migration: str


class HistoryRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    migration_id: str
    checksum: str
    action: str
    status: str
    started_at: str
    finished_at: str
    who: str
    backup_id: str
    operation_id: str
    details: str

    @property
    def result(self) -> dict[str, Any]:
        try:
            parsed = json.loads(self.details or "{}")
        except json.JSONDecodeError:
            return {}
        result = parsed.get("result") if isinstance(parsed, dict) else None
        return result if isinstance(result, dict) else {}


class LiveState(BaseModel):
    spreadsheet_id: str
    title: str
    time_zone: str
    sheets: list[SheetInfo]
    schema_version: str | None
    event_types: list[str] | None
    hold: dict[str, Any] | None
    tags: list[ColumnTag]
    history: list[HistoryRow]
    # The history sheet's last row with data (its header is row 1; 0 without the sheet): where the bridge's next
    # history row goes, and so whether appending it grows the grid (engine/budget.py).
    history_last_row: int = 0

    @property
    def cell_count(self) -> int:
        return sum(s.cells for s in self.sheets)

    def sheet(self, title: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.title == title), None)

    def applied(self) -> list[HistoryRow]:
        """Apply rows of the migrations applied now, in the order applied (the bridge's rule, History.js
        appliedMigrations_): a `repair` row counts as its status says (`applied` as an apply, `not_applied` as a
        rollback); a row a repair marked `superseded` counts for nothing."""
        applied: list[HistoryRow] = []
        last_apply: dict[str, HistoryRow] = {}
        for row in self.history:
            restored = row.result.get("applied") if row.action == "restore" and row.status == "restored" else None
            if isinstance(restored, list):
                # A restore brings back the backup's structure: what was applied when it was made is applied again.
                applied = [last_apply[str(i)] for i in restored if str(i) in last_apply]
                continue
            applies = row.action in ("apply", "repair") and row.status == "applied"
            ends = (row.action == "rollback" and row.status == "rolled_back") or (
                row.action == "repair" and row.status == "not_applied")
            if applies or ends:
                applied = [r for r in applied if r.migration_id != row.migration_id]
            if applies:
                applied.append(row)
                last_apply[row.migration_id] = row
        return applied

    def ever_applied(self, migration_id: str) -> bool:
        """Whether the history records the migration applied at some time (not applied now: rolled back)."""
        return any(r.migration_id == migration_id and r.action in ("apply", "repair") and r.status == "applied"
                   for r in self.history)

    @property
    def hold_tampered(self) -> bool:
        """The hold in force is the history's record alone: its `zeues.hold` metadata was deleted by hand."""
        return bool(self.hold and self.hold.get("tampered"))

    def unresolved_failure(self) -> HistoryRow | None:
        failure = None
        for row in self.history:
            # A backup that never finished harms no data (the bridge's rule too: History.js unresolvedFailure_).
            if row.status in ("failed", "in_progress") and row.action != "backup":
                failure = row
            if row.action == "resolve":
                failure = None
        return failure


SHEETS_FIELDS = ("spreadsheetId,properties(title,timeZone),developerMetadata,"
                 "sheets(properties(sheetId,title,index,hidden,gridProperties))")
# Formatted values, as the values API's FORMATTED_VALUE renders them; column metadata for the ranges' columns.
SAMPLE_ROWS = 3  # data rows read with each header: what a row of the sheet costs
ROWS_FIELDS = "sheets(properties(title),data(startRow,rowData(values(formattedValue)),columnMetadata(developerMetadata)))"


def read_live_state(reader: SheetsReader, spreadsheet_id: str) -> LiveState:
    meta = reader.get_spreadsheet(spreadsheet_id, SHEETS_FIELDS)
    props = [s.get("properties", {}) for s in meta.get("sheets", [])]
    grids = {str(p.get("title", "")): Grid.of(p) for p in props}
    # Only ranges that start inside the grid just read (Google refuses the others with a 400): no header read
    # for a sheet without a grid (a chart sheet), no history read when the history sheet has no row 2.
    headed = [t for t, grid in grids.items() if grid.holds(1)]
    ranges = [f"{quote_sheet(t)}!1:{1 + SAMPLE_ROWS}" for t in headed]
    has_history = HISTORY_SHEET in grids
    if has_history and grids[HISTORY_SHEET].holds(2):
        ranges.append(f"{quote_sheet(HISTORY_SHEET)}!A2:{column_letter(len(HISTORY_COLUMNS) - 1)}")
    got = reader.get_spreadsheet(spreadsheet_id, ROWS_FIELDS, ranges, grids=grids) if ranges else {}
    by_title = {str(s.get("properties", {}).get("title", "")): s.get("data") or [] for s in got.get("sheets", [])}
    found = [{"developerMetadata": md} for md in meta.get("developerMetadata", [])]
    sheets = []
    for p in props:
        title = str(p.get("title", ""))
        data = by_title.get(title, [])
        first = _formatted(data[0].get("rowData", [])) if data else []
        header, sample = first[:1], [row for row in first[1:] if row]
        for part in data:
            found += [{"developerMetadata": md} for column in part.get("columnMetadata", [])
                      for md in column.get("developerMetadata", [])]
        sheets.append(SheetInfo(
            sheet_id=int(p.get("sheetId", 0)), title=title, index=int(p.get("index", 0)),
            hidden=bool(p.get("hidden", False)), row_count=grids[title].rows, column_count=grids[title].columns,
            frozen_rows=int(p.get("gridProperties", {}).get("frozenRowCount", 0)),
            header=[str(c) for c in header[0]] if header else [],
            row_bytes=sum(len(json.dumps(row, ensure_ascii=False)) + 1 for row in sample) / len(sample)
            if sample else None))
    history: list[HistoryRow] = []
    history_last_row = 0
    if has_history:
        history_sheet = next(s for s in sheets if s.title == HISTORY_SHEET)
        if tuple(history_sheet.header) != HISTORY_COLUMNS:
            raise StateError(
                f"the history sheet {HISTORY_SHEET} has an unexpected header ({', '.join(history_sheet.header)}); "
                f"it was edited by hand — restore its header row to {', '.join(HISTORY_COLUMNS)}")
        parts = by_title.get(HISTORY_SHEET, [])
        recorded = _formatted(parts[1].get("rowData", [])) if len(parts) > 1 else []
        # The row the bridge appends after: the last with data (however many empty rows Google sends after it).
        history_last_row = 1 + max((n + 1 for n, row in enumerate(recorded) if any(row)), default=0)
        for row in recorded:
            cells = [str(c) for c in row] + [""] * (len(HISTORY_COLUMNS) - len(row))
            if any(cells):
                history.append(HistoryRow(**dict(zip(HISTORY_COLUMNS, cells[:len(HISTORY_COLUMNS)]))))
    keys = {str(k) for k in META_KEYS}
    state = _with_metadata(spreadsheet_id, meta, sheets, history,
                           [m for m in found if str(m["developerMetadata"].get("metadataKey", "")) in keys])
    hold = state.hold if state.hold is not None else tampered_hold(history)
    return state.model_copy(update={"history_last_row": history_last_row, "hold": hold})


def _formatted(row_data: list[dict[str, Any]]) -> list[list[str]]:
    """Grid rows as the values API's FORMATTED_VALUE rows: each cell's formatted value, '' for an empty one,
    trailing empty cells left out."""
    rows = []
    for row in row_data:
        cells = [str(cell.get("formattedValue", "")) for cell in row.get("values", [])]
        while cells and cells[-1] == "":
            cells.pop()
        rows.append(cells)
    return rows


def recorded_hold(history: list[HistoryRow]) -> dict[str, Any] | None:
    """The hold the history records in force (its last `hold` or `release` row is a hold), or None: the bridge's
    rule (History.js recordedHold_)."""
    hold: dict[str, Any] | None = None
    for row in history:
        if row.status != "done":
            continue
        if row.action == "release":
            hold = None
        elif row.action == "hold":
            recorded = row.result.get("hold")
            recorded = recorded if isinstance(recorded, dict) else {}
            hold = {"by": str(recorded.get("by") or row.who), "at": str(recorded.get("at") or row.finished_at),
                    "reason": str(recorded.get("reason") or "")}
    return hold


def tampered_hold(history: list[HistoryRow]) -> dict[str, Any] | None:
    """A hold whose `zeues.hold` metadata is gone while the history records it: it still holds, marked
    `tampered` (any editor can delete metadata; only a release, recorded with who, ends a hold)."""
    recorded = recorded_hold(history)
    return {**recorded, "tampered": True} if recorded else None


def _with_metadata(spreadsheet_id: str, meta: dict[str, Any], sheets: list[SheetInfo], history: list[HistoryRow],
                   found: list[dict[str, Any]]) -> LiveState:
    by_id = {s.sheet_id: s.title for s in sheets}
    spreadsheet_level: dict[str, str] = {}
    columns: dict[tuple[int, int], dict[str, str]] = {}
    seen: set[Any] = set()
    for match in found:
        md = match.get("developerMetadata", {})
        if md.get("metadataId") in seen:
            continue
        seen.add(md.get("metadataId"))
        location = md.get("location", {})
        key, value = str(md.get("metadataKey", "")), str(md.get("metadataValue", ""))
        dim = location.get("dimensionRange")
        if dim and dim.get("dimension") == "COLUMNS":
            columns.setdefault((int(dim.get("sheetId", 0)), int(dim.get("startIndex", 0))), {})[key] = value
        elif location.get("spreadsheet"):
            spreadsheet_level[key] = value
    tags = [ColumnTag(sheet=by_id.get(sheet_id, str(sheet_id)), column=column, name=kv.get(MetaKey.COLUMN, ""),
                      migration=kv.get(MetaKey.MIGRATION, ""))
            for (sheet_id, column), kv in sorted(columns.items())]
    props = meta.get("properties", {})
    return LiveState(
        spreadsheet_id=spreadsheet_id, title=str(props.get("title", "")), time_zone=str(props.get("timeZone", "")),
        sheets=sheets, schema_version=spreadsheet_level.get(MetaKey.SCHEMA_VERSION),
        event_types=(json.loads(spreadsheet_level[MetaKey.EVENT_TYPES]) if MetaKey.EVENT_TYPES in spreadsheet_level
                     else None),
        hold=json.loads(spreadsheet_level[MetaKey.HOLD]) if MetaKey.HOLD in spreadsheet_level else None,
        tags=tags, history=history)


def find_column(header: list[str], name: str) -> int | None:
    key = normalize_header(name)
    return next((i for i, h in enumerate(header) if h.strip() and normalize_header(h) == key), None)
