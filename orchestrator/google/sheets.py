"""Reading spreadsheets through the Sheets API v4: values, the spreadsheet resource, developer metadata.

Read-only on purpose: the orchestrator never writes cells (the bridge does). Every call is paced and retried
by a `ReadExecutor`. Google recommends a 2 MB maximum payload, so full-sheet reads go in chunks sized from
the bytes per row the previous chunk actually cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.domain.cells import CellValue
from orchestrator.domain.columns import column_letter
from orchestrator.google.errors import TransportError
from orchestrator.google.pacing import ReadExecutor

ValueRender = Literal["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"]
DateTimeRender = Literal["SERIAL_NUMBER", "FORMATTED_STRING"]
Row = list[CellValue]

RECOMMENDED_MAX_PAYLOAD = 2_000_000  # bytes; developers.google.com/sheets/api/limits
GRID_FIRST_ROWS = 50  # grid data carries formats and validation per cell: measure on a small first chunk
CELL_FIELDS = "userEnteredValue,userEnteredFormat,dataValidation,note,textFormatRuns"
ROW_FIELDS = "pixelSize,hiddenByUser,developerMetadata"
T = TypeVar("T")
GridRow = tuple[dict[str, Any], dict[str, Any]]  # (RowData, the row's DimensionProperties)


class ChunkPolicy(BaseModel):
    """How `iter_rows` sizes its chunks."""

    model_config = ConfigDict(frozen=True)

    target_bytes: int = Field(default=1_500_000, gt=0)  # 75% of Google's 2 MB: room for fatter rows later on
    first_rows: int = Field(default=200, ge=1)  # before any measurement: 200 rows × 63 wide cells ≈ 0.5 MB
    min_rows: int = Field(default=10, ge=1)
    max_rows: int = Field(default=20_000, ge=1)
    max_growth: float = Field(default=4.0, ge=1.0)  # one sparse chunk must not make the next one huge

    def next_rows(self, previous_rows: int, bytes_per_row: float | None) -> int:
        if bytes_per_row is None:  # nothing measured yet (or only empty rows so far): grow carefully
            wanted = previous_rows * self.max_growth if previous_rows else self.first_rows
        else:
            wanted = self.target_bytes / max(bytes_per_row, 1.0)
        if previous_rows:
            wanted = min(wanted, previous_rows * self.max_growth)
        return max(self.min_rows, min(self.max_rows, int(wanted)))


def a1_range(sheet_title: str, first_row: int, last_row: int, columns: int) -> str:
    """`'Sheet name'!A2:BK500`: titles always quoted, quotes doubled, as the A1 grammar wants."""
    if first_row < 1 or last_row < first_row or columns < 1:
        raise ValueError(f"bad range: rows {first_row}..{last_row}, {columns} columns")
    quoted = "'" + sheet_title.replace("'", "''") + "'"
    return f"{quoted}!A{first_row}:{column_letter(columns - 1)}{last_row}"


class SheetsReader:
    def __init__(self, service: Any, executor: ReadExecutor, *, chunks: ChunkPolicy | None = None) -> None:
        # googleapiclient builds a resource's methods (docstrings included) on every `spreadsheets()` call:
        # ~30 ms for Sheets' big schema, so the resources are built once.
        self._spreadsheets = service.spreadsheets()
        self._values = self._spreadsheets.values()
        self._metadata = self._spreadsheets.developerMetadata()
        self._executor = executor
        self.chunks = chunks or ChunkPolicy()

    def values_batch_get(self, spreadsheet_id: str, ranges: Sequence[str],
                         value_render_option: ValueRender = "FORMATTED_VALUE",
                         date_time_render_option: DateTimeRender = "SERIAL_NUMBER") -> list[dict[str, Any]]:
        """The `valueRanges` of `spreadsheets.values.batchGet`, one per range, in order.

        As Google sends them: trailing empty rows and cells are left out, and `values` is absent for an empty
        range (here it is always present, possibly `[]`).
        """
        if not ranges:
            return []
        response = self._executor.execute(
            lambda: self._values.batchGet(
                spreadsheetId=spreadsheet_id, ranges=list(ranges), majorDimension="ROWS",
                valueRenderOption=value_render_option, dateTimeRenderOption=date_time_render_option),
            target=spreadsheet_id)
        value_ranges = response.get("valueRanges") if isinstance(response, dict) else None
        if not isinstance(value_ranges, list) or len(value_ranges) != len(ranges):
            raise TransportError(f"values.batchGet of {len(ranges)} ranges answered something else: "
                                 f"{str(response)[:200]}", may_have_run=False)
        for value_range in value_ranges:
            value_range.setdefault("values", [])
        return value_ranges

    def iter_rows(self, spreadsheet_id: str, sheet_title: str, columns: int, first_row: int, last_row: int,
                  render: ValueRender = "FORMULA", date_time_render: DateTimeRender = "SERIAL_NUMBER",
                  ) -> Iterator[list[Row]]:
        """Rows `first_row..last_row` (1-based, inclusive) of columns A.. in chunks, one request per chunk.

        Each chunk holds exactly the rows it covers: rows Google left out because they were empty come back
        as `[]`, so the n-th row yielded overall is sheet row `first_row + n`. Trailing empty cells of a row
        are still left out (pad when you need the full width). Memory holds one chunk.
        """
        def fetch(row: int, end: int) -> list[Row]:
            (value_range,) = self.values_batch_get(
                spreadsheet_id, [a1_range(sheet_title, row, end, columns)], render, date_time_render)
            rows: list[Row] = value_range["values"]
            return rows

        return self._chunked(sheet_title, first_row, last_row, fetch, list)

    def iter_grid(self, spreadsheet_id: str, sheet_title: str, columns: int, first_row: int, last_row: int,
                  cell_fields: str = CELL_FIELDS, row_fields: str = ROW_FIELDS) -> Iterator[list[GridRow]]:
        """Rows `first_row..last_row` as (RowData, row DimensionProperties) pairs holding only `cell_fields`
        and `row_fields`, in chunks through `spreadsheets.get`: the read that returns formats, validation,
        notes and row properties, which the values API does not.

        Sized like `iter_rows` from what rows with cells cost (grid data costs several times more per cell
        than values, so the first chunk is small); each chunk holds exactly the rows it covers (`{}` for a
        part Google left out). Memory holds one chunk.
        """
        mask = f"sheets(data(rowData(values({cell_fields})),rowMetadata({row_fields})))"

        def fetch(row: int, end: int) -> list[GridRow]:
            got = self.get_spreadsheet(spreadsheet_id, mask, [a1_range(sheet_title, row, end, columns)])
            data = ((got.get("sheets") or [{}])[0].get("data") or [{}])[0]
            cells: list[dict[str, Any]] = data.get("rowData", [])
            props: list[dict[str, Any]] = data.get("rowMetadata", [])
            return [(cells[i] if i < len(cells) else {}, props[i] if i < len(props) else {})
                    for i in range(max(len(cells), len(props)))]

        return self._chunked(sheet_title, first_row, last_row, fetch, lambda: ({}, {}),
                             first_rows=min(self.chunks.first_rows, GRID_FIRST_ROWS),
                             measured=lambda rows: sum(1 for cells, _ in rows if cells.get("values")))

    def _chunked(self, sheet_title: str, first_row: int, last_row: int, fetch: Callable[[int, int], list[T]],
                 blank: Callable[[], T], *, first_rows: int | None = None,
                 measured: Callable[[list[T]], int] = len) -> Iterator[list[T]]:
        """Fetch rows `first_row..last_row` in chunks sized from what the previous chunk's `measured` rows
        (those that carry data) cost each."""
        row = first_row
        size = 0
        bytes_per_row: float | None = None
        while row <= last_row:
            size = self.chunks.next_rows(size, bytes_per_row) if size or first_rows is None else first_rows
            end = min(last_row, row + size - 1)
            stats_before = self._executor.http.bytes_received
            rows = fetch(row, end)
            cost = self._executor.http.bytes_received - stats_before
            counted = measured(rows)
            if counted:  # only rows that came back with data tell what a row costs
                bytes_per_row = cost / counted
            wanted = end - row + 1
            if len(rows) > wanted:
                raise TransportError(f"{sheet_title!r} rows {row}..{end}: Google sent {len(rows)} rows",
                                     may_have_run=False)
            rows.extend(blank() for _ in range(wanted - len(rows)))
            yield rows
            row = end + 1

    def get_spreadsheet(self, spreadsheet_id: str, fields: str, ranges: Sequence[str] | None = None,
                        include_grid_data: bool = False) -> dict[str, Any]:
        """`spreadsheets.get` with a field mask (always give one: the whole resource is large)."""
        result = self._executor.execute(
            lambda: self._spreadsheets.get(
                spreadsheetId=spreadsheet_id, fields=fields, ranges=list(ranges) if ranges else None,
                includeGridData=include_grid_data),
            target=spreadsheet_id)
        return _object(result, "spreadsheets.get")

    def search_developer_metadata(self, spreadsheet_id: str,
                                  data_filters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """`developerMetadata.search`: the `matchedDeveloperMetadata` list (`[]` when nothing matched)."""
        result = self._executor.execute(
            lambda: self._metadata.search(
                spreadsheetId=spreadsheet_id, body={"dataFilters": list(data_filters)}),
            target=spreadsheet_id)
        matched = _object(result, "developerMetadata.search").get("matchedDeveloperMetadata", [])
        return list(matched)


def _object(result: Any, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise TransportError(f"{what} answered {type(result).__name__}, not a JSON object", may_have_run=False)
    return result
