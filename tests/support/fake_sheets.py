"""An in-memory stand-in for `SheetsReader` with the reads the verifier and the backup proof make: grids,
headers and rows through `values.batchGet`, `iter_rows`/`read_sheets`, `spreadsheets.get` (the sheet list with
the spreadsheet's metadata, and ranges as grid data with their columns' metadata) and `developerMetadata.search`.

It answers as the Sheets API does where that matters to the checks: trailing empty cells and rows left out of
a values range, reads bounded by the grid, whole-sheet reads from row 1, spreadsheet-level metadata in the
resource and column metadata in the `columnMetadata` of the ranges that cover the column, located by sheet id
and start index. It is what lets a unit test feed the verifier a sheet that is wrong in exactly one way.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from orchestrator.contract.metadata import MetaKey
from orchestrator.google.errors import ApiError
from orchestrator.google.sheets import ChunkPolicy, Grid, SheetRange, SheetsReader

Row = list[Any]
_RANGE = re.compile(r"^([A-Z]*)(\d+):([A-Z]*)(\d*)$")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def _formatted(value: Any) -> str:
    """A cell as FORMATTED_VALUE shows it (booleans as TRUE/FALSE)."""
    return ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value)


def _trimmed(row: Row) -> Row:
    out = list(row)
    while out and out[-1] in ("", None):
        out.pop()
    return out


@dataclass
class FakeSheet:
    sheet_id: int
    rows: list[Row]  # row 1 is the header
    row_count: int = 0  # 0: as many rows as `rows`
    column_count: int = 0  # 0: as wide as the widest row

    @property
    def grid(self) -> Grid:
        return Grid(rows=max(self.row_count, len(self.rows)),
                    columns=max(self.column_count, max((len(r) for r in self.rows), default=0)))

    def cell(self, row: int, column: int) -> Any:
        """1-based row, 0-based column; '' outside the data."""
        line = self.rows[row - 1] if row <= len(self.rows) else []
        return line[column] if column < len(line) else ""

    def set(self, row: int, column: int, value: Any) -> None:
        while len(self.rows) < row:
            self.rows.append([])
        line = self.rows[row - 1]
        line.extend([""] * (column + 1 - len(line)))
        line[column] = value


@dataclass
class FakeBook:
    title: str = "ZEUES"
    sheets: dict[str, FakeSheet] = field(default_factory=dict)
    metadata: list[dict[str, Any]] = field(default_factory=list)

    def add_sheet(self, title: str, rows: list[Row]) -> FakeSheet:
        sheet = FakeSheet(sheet_id=len(self.sheets) * 100 + 7, rows=[list(r) for r in rows])
        self.sheets[title] = sheet
        return sheet

    def tag_column(self, sheet: str, column: int, name: str, migration: str) -> None:
        """Tag a column, which then exists (Google keeps no metadata of a column that is not in the grid)."""
        self.sheets[sheet].column_count = max(self.sheets[sheet].grid.columns, column + 1)
        location = {"dimensionRange": {"sheetId": self.sheets[sheet].sheet_id, "dimension": "COLUMNS",
                                       "startIndex": column, "endIndex": column + 1}}
        for key, value in ((MetaKey.COLUMN, name), (MetaKey.MIGRATION, migration)):
            self.metadata.append({"metadataId": len(self.metadata) + 1, "metadataKey": str(key),
                                  "metadataValue": value, "location": location})

    def set_meta(self, key: MetaKey, value: Any) -> None:
        """Spreadsheet-level metadata; `None` removes it, a non-string is stored as JSON."""
        self.metadata = [m for m in self.metadata if not (m["metadataKey"] == key and "spreadsheet" in m["location"])]
        if value is not None:
            self.metadata.append({"metadataId": len(self.metadata) + 1000, "metadataKey": str(key),
                                  "metadataValue": value if isinstance(value, str) else json.dumps(value),
                                  "location": {"spreadsheet": True}})


class FakeReader:
    """The reads of `SheetsReader`, over `FakeBook`s by spreadsheet id."""

    def __init__(self, books: dict[str, FakeBook]) -> None:
        self.books = books
        self.chunks = ChunkPolicy()

    def as_reader(self) -> SheetsReader:
        return cast(SheetsReader, self)

    def copy_book(self, source: str, target: str) -> FakeBook:
        self.books[target] = copy.deepcopy(self.books[source])
        return self.books[target]

    def get_spreadsheet(self, spreadsheet_id: str, fields: str, ranges: Sequence[str] | None = None,
                        include_grid_data: bool = False, *, grids: Mapping[str, Grid] | None = None) -> dict[str, Any]:
        book = self.books[spreadsheet_id]
        if ranges:  # grid data of the ranges: formatted values and the columns' metadata, sheets in book order
            data: dict[str, list[dict[str, Any]]] = {}
            for a1 in ranges:
                title, rows, left, right, start = self._area(spreadsheet_id, a1)
                sheet_id = book.sheets[title].sheet_id
                columns = [{"developerMetadata": found} if (found := [
                    m for m in book.metadata if m["location"].get("dimensionRange", {}).get("sheetId") == sheet_id
                    and m["location"]["dimensionRange"]["startIndex"] == c]) else {} for c in range(left, right + 1)]
                data.setdefault(title, []).append({"startRow": start - 1, "columnMetadata": columns, "rowData": [
                    {"values": [{"formattedValue": _formatted(v)} if v not in ("", None) else {} for v in row]}
                    if row else {} for row in rows]})
            return {"sheets": [{"properties": {"title": t}, "data": data[t]} for t in book.sheets if t in data]}
        return {"spreadsheetId": spreadsheet_id, "properties": {"title": book.title, "timeZone": "America/Santiago"},
                "developerMetadata": [m for m in book.metadata if m["location"].get("spreadsheet")],
                "sheets": [{"properties": {"sheetId": s.sheet_id, "title": title, "index": i, "hidden": False,
                                           "gridProperties": {"rowCount": s.grid.rows, "columnCount": s.grid.columns}}}
                           for i, (title, s) in enumerate(book.sheets.items())]}

    def grids(self, spreadsheet_id: str) -> dict[str, Grid]:
        return {title: s.grid for title, s in self.books[spreadsheet_id].sheets.items()}

    def values_batch_get(self, spreadsheet_id: str, ranges: Sequence[str], value_render_option: str = "FORMATTED_VALUE",
                         date_time_render_option: str = "SERIAL_NUMBER", *,
                         grids: Mapping[str, Grid] | None = None) -> list[dict[str, Any]]:
        return [{"range": a1, "values": self._values(spreadsheet_id, a1)} for a1 in ranges]

    def _values(self, spreadsheet_id: str, a1: str) -> list[Row]:
        return self._area(spreadsheet_id, a1)[1]

    def _area(self, spreadsheet_id: str, a1: str) -> tuple[str, list[Row], int, int, int]:
        """(sheet, rows as the values API sends them, first and last column, first row) of an A1 range."""
        title, _, cells = a1.rpartition("!")
        if not title:  # a sheet's title alone: all of it
            title, cells = a1, "1:"
        if title.startswith("'"):
            title = title[1:-1].replace("''", "'")
        sheet = self.books[spreadsheet_id].sheets.get(title)
        if sheet is None:  # Google's answer to a range naming a sheet that is not there
            raise ApiError(f"Unable to parse range: {a1}", status=400, method="sheets.spreadsheets.values.batchGet")
        match = _RANGE.match(cells)
        assert match, f"the fake reads A1 ranges of whole rows or blocks, not {a1!r}"
        first_col, first_row, last_col, last_row = match.groups()
        grid = sheet.grid
        start, end = int(first_row), min(int(last_row) if last_row else grid.rows, grid.rows)
        left = _column_index(first_col) if first_col else 0
        right = min(_column_index(last_col) if last_col else grid.columns - 1, grid.columns - 1)
        rows = [_trimmed([sheet.cell(r, c) for c in range(left, right + 1)]) for r in range(start, end + 1)]
        while rows and not rows[-1]:  # the values API drops trailing empty rows
            rows.pop()
        return title, rows, left, right, start

    def iter_rows(self, spreadsheet_id: str, sheet_title: str, grid: Grid, columns: int, first_row: int,
                  last_row: int | None = None, render: str = "FORMULA",
                  date_time_render: str = "SERIAL_NUMBER") -> Iterator[list[Row]]:
        """One chunk, exactly the rows asked for inside `grid` (blank rows as `[]`), as the real reader yields."""
        last = grid.rows if last_row is None else min(last_row, grid.rows)
        width = min(columns, grid.columns)
        if width < 1 or last < first_row:
            return
        sheet = self.books[spreadsheet_id].sheets[sheet_title]
        yield [_trimmed([sheet.cell(r, c) for c in range(width)]) for r in range(first_row, last + 1)]

    def read_sheets(self, spreadsheet_id: str, reads: Sequence[SheetRange], render: str = "FORMULA",
                    date_time_render: str = "SERIAL_NUMBER") -> list[Iterator[list[Row]]]:
        """One chunk per read, as `iter_rows` gives it; a whole-sheet read (no grid) from row 1 to its last row
        with data, every column."""
        whole = [read.sheet for read in reads if read.grid is None]
        return [self._whole(spreadsheet_id, read.sheet, whole) if read.grid is None else
                self.iter_rows(spreadsheet_id, read.sheet, read.grid, read.columns, read.first_row, read.last_row)
                for read in reads]

    def _whole(self, spreadsheet_id: str, title: str, batch: list[str]) -> Iterator[list[Row]]:
        """As the real reader: the whole-sheet reads are one request, which fails if any of its sheets is gone."""
        for other in batch:
            self._values(spreadsheet_id, f"'{other}'")
        yield self._values(spreadsheet_id, f"'{title}'")

    def search_developer_metadata(self, spreadsheet_id: str,
                                  data_filters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = {f["developerMetadataLookup"]["metadataKey"] for f in data_filters}
        return [{"developerMetadata": m} for m in self.books[spreadsheet_id].metadata if m["metadataKey"] in keys]
