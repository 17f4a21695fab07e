"""Reading spreadsheets through the Sheets API v4: values, the spreadsheet resource, developer metadata.

Read-only on purpose: the orchestrator never writes cells (the bridge does). Every call is paced and retried
by a `ReadExecutor`. Google recommends a 2 MB maximum payload, so full-sheet reads go in requests of about
1.5 MB, sized from the first one on (a row's cost estimated from a sample or the width, then from what the
rows really cost), several sheets in one `values.batchGet` when they fit; answers come without Google's
pretty-printing (`prettyPrint=false`), which otherwise pads every cell with indentation.

Every range is built inside a `Grid` the caller measured with `spreadsheets.get`: Google refuses (400 "exceeds
grid limits") a read that starts past the grid and clips one that only ends past it. People keep editing, so a
grid can shrink between two chunks; such a 400 is checked against a fresh read of the grid and becomes
`GridChanged` (see `SheetsReader._read`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.domain.cells import CellValue
from orchestrator.domain.columns import column_letter, quote_sheet
from orchestrator.google.errors import ApiError, GridChanged, GridSize, TransportError
from orchestrator.google.pacing import ReadExecutor

ValueRender = Literal["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"]
DateTimeRender = Literal["SERIAL_NUMBER", "FORMATTED_STRING"]
Row = list[CellValue]

RECOMMENDED_MAX_PAYLOAD = 2_000_000  # bytes; developers.google.com/sheets/api/limits
SPARSE_REACH = 3.0  # a chunk over empty rows holds at most this many targets' worth of rows with data
GRID_FIRST_ROWS = 50  # grid data carries formats and validation per cell: measure on a small first chunk
CELL_FIELDS = "userEnteredValue,userEnteredFormat,dataValidation,note,textFormatRuns"
ROW_FIELDS = "pixelSize,hiddenByUser,developerMetadata"
T = TypeVar("T")
GridRow = tuple[dict[str, Any], dict[str, Any]]  # (RowData, the row's DimensionProperties)
GRID_FIELDS = "sheets.properties(title,gridProperties(rowCount,columnCount))"
# What Google answers (400) to a range a structure change made invalid: one that now starts past the grid
# (rows or columns deleted), and one naming a sheet that is no longer there (deleted or renamed).
STRUCTURE_400_TEXTS = ("exceeds grid limits", "Unable to parse range")


class Grid(BaseModel):
    """A sheet's grid (`gridProperties.rowCount/columnCount`) as last read: reads start only inside it."""

    model_config = ConfigDict(frozen=True)

    rows: int = Field(ge=0)
    columns: int = Field(ge=0)

    @classmethod
    def of(cls, properties: Mapping[str, Any]) -> Grid:
        """The grid of a sheet's `properties`; a sheet without one (a chart sheet) is 0×0, so nothing reads it."""
        grid = properties.get("gridProperties") or {}
        return cls(rows=int(grid.get("rowCount", 0)), columns=int(grid.get("columnCount", 0)))

    def holds(self, row: int, column: int = 1) -> bool:
        """Whether the 1-based cell is inside the grid: where a read may start."""
        return 1 <= row <= self.rows and 1 <= column <= self.columns

    @property
    def size(self) -> GridSize:
        return self.rows, self.columns


class ChunkPolicy(BaseModel):
    """How reads of rows are sized: each request aims at `target_bytes` from the first one on."""

    model_config = ConfigDict(frozen=True)

    target_bytes: int = Field(default=1_500_000, gt=0)  # 75% of Google's 2 MB: room for fatter rows later on
    # Before anything is measured, a row is estimated at this many bytes per column of the range (the header's
    # width): FORMULA-rendered v2.1 rows cost 15 to 20 (quoted short strings, numbers, dates as serials), so the
    # first request is sized close to the target, not far past it.
    cell_bytes: float = Field(default=20.0, gt=0)
    first_rows: int = Field(default=200, ge=1)  # `iter_grid` only: grid data per cell is far costlier
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

    def row_estimate(self, columns: int) -> float:
        """Bytes a values row of `columns` columns is expected to cost before one is measured."""
        return max(1.0, columns * self.cell_bytes)


# Test-only: the test suite's CLI subprocesses cap the rows per read (tests/support/offline/sitecustomize.py)
# so that a small workbook is still read in several requests, as a large one is; nothing in the package sets it.
_rows_cap: int | None = None


def cap_rows(rows: int | None) -> None:
    """At most `rows` rows per range of every reader built from now on (None: no cap). Test-only."""
    global _rows_cap
    _rows_cap = rows


def default_chunks() -> ChunkPolicy:
    return ChunkPolicy(max_rows=_rows_cap) if _rows_cap else ChunkPolicy()


class SheetRange(BaseModel):
    """Rows of one sheet to read: `first_row..last_row` (default and at most the grid's last row) of columns
    A.. (at most the grid's width), inside `grid`, the sheet's grid as last read. `row_bytes`: what a row is
    expected to cost (default: from the width, `ChunkPolicy.row_estimate`).

    `grid=None` reads the whole sheet as it is now in one range (its title alone: from row 1 to the last row
    with data, every column), for a sheet whose grid was not read and which is known to be small: no range of
    it can start past the grid, and rows added since it was last measured are in it."""

    model_config = ConfigDict(frozen=True)

    sheet: str
    grid: Grid | None
    columns: int = 0
    first_row: int = Field(default=2, ge=1)
    last_row: int | None = None
    row_bytes: float | None = None
    expected_rows: int = Field(default=0, ge=0)  # a whole-sheet read: the rows it had when last measured

    @property
    def whole(self) -> bool:
        return self.grid is None

    def bounds(self) -> tuple[int, int]:
        """(last row, columns) actually read: bounded by the grid."""
        assert self.grid is not None
        last = self.grid.rows if self.last_row is None else min(self.last_row, self.grid.rows)
        return last, min(self.columns, self.grid.columns)


def a1_range(sheet_title: str, first_row: int, last_row: int, columns: int) -> str:
    """`'Sheet name'!A2:BK500`: titles always quoted, quotes doubled, as the A1 grammar wants."""
    if first_row < 1 or last_row < first_row or columns < 1:
        raise ValueError(f"bad range: rows {first_row}..{last_row}, {columns} columns")
    return f"{quote_sheet(sheet_title)}!A{first_row}:{column_letter(columns - 1)}{last_row}"


class SheetsReader:
    def __init__(self, service: Any, executor: ReadExecutor, *, chunks: ChunkPolicy | None = None) -> None:
        # googleapiclient builds a resource's methods (docstrings included) on every `spreadsheets()` call:
        # ~30 ms for Sheets' big schema, so the resources are built once.
        self._spreadsheets = service.spreadsheets()
        self._values = self._spreadsheets.values()
        self._metadata = self._spreadsheets.developerMetadata()
        self._executor = executor
        self.chunks = chunks or default_chunks()

    def values_batch_get(self, spreadsheet_id: str, ranges: Sequence[str],
                         value_render_option: ValueRender = "FORMATTED_VALUE",
                         date_time_render_option: DateTimeRender = "SERIAL_NUMBER", *,
                         grids: Mapping[str, Grid] | None = None) -> list[dict[str, Any]]:
        """The `valueRanges` of `spreadsheets.values.batchGet`, one per range, in order.

        As Google sends them: trailing empty rows and cells are left out, and `values` is absent for an empty
        range (here it is always present, possibly `[]`). `grids`: the grids (by sheet title) the ranges were
        built inside; a refusal because one of them changed meanwhile is `GridChanged`.
        """
        if not ranges:
            return []
        response = self._read(
            lambda: self._values.batchGet(
                spreadsheetId=spreadsheet_id, ranges=list(ranges), majorDimension="ROWS",
                valueRenderOption=value_render_option, dateTimeRenderOption=date_time_render_option,
                prettyPrint=False),
            spreadsheet_id, grids)
        value_ranges = response.get("valueRanges") if isinstance(response, dict) else None
        if not isinstance(value_ranges, list) or len(value_ranges) != len(ranges):
            raise TransportError(f"values.batchGet of {len(ranges)} ranges answered something else: "
                                 f"{str(response)[:200]}", may_have_run=False)
        for value_range in value_ranges:
            value_range.setdefault("values", [])
        return value_ranges

    def iter_rows(self, spreadsheet_id: str, sheet_title: str, grid: Grid, columns: int, first_row: int,
                  last_row: int | None = None, render: ValueRender = "FORMULA",
                  date_time_render: DateTimeRender = "SERIAL_NUMBER") -> Iterator[list[Row]]:
        """Rows `first_row..last_row` (1-based, inclusive; default and at most the grid's last row) of columns
        A.. (at most the grid's width) in chunks, one request per chunk: `read_sheets` for one sheet."""
        (rows,) = self.read_sheets(spreadsheet_id, [SheetRange(sheet=sheet_title, grid=grid, columns=columns,
                                                               first_row=first_row, last_row=last_row)],
                                   render, date_time_render)
        return rows

    def read_sheets(self, spreadsheet_id: str, reads: Sequence[SheetRange], render: ValueRender = "FORMULA",
                    date_time_render: DateTimeRender = "SERIAL_NUMBER") -> list[Iterator[list[Row]]]:
        """The rows of every read, as one chunked stream of `values.batchGet` requests of about
        `chunks.target_bytes` each from the first one on: a request carries the rest of one sheet and the
        start of the next, so several small sheets are one request. Returns one iterator of chunks per read,
        to be consumed in order (what a read leaves unconsumed is skipped when the next one is asked for);
        nothing is requested before the first is iterated. Memory holds one request's rows.

        A chunk of a read with a grid holds exactly the rows it covers: rows Google left out because they were
        empty come back as `[]`, so the n-th row yielded is sheet row `first_row + n`. A whole-sheet read
        (`grid=None`) yields its rows from row 1 as Google sends them (trailing empty rows left out). Trailing
        empty cells of a row are left out (pad when you need the full width)."""
        stream = _Stream(self._stream(spreadsheet_id, list(reads), render, date_time_render))
        return [stream.part(i, read.grid, read.first_row, read.last_row) for i, read in enumerate(reads)]

    def _stream(self, spreadsheet_id: str, reads: list[SheetRange], render: ValueRender,
                date_time_render: DateTimeRender) -> Iterator[tuple[int, list[Row]]]:
        policy = self.chunks
        plan = [_Planned(read, policy) for read in reads]
        i = 0
        while i < len(plan):
            ranges: list[tuple[int, int, int]] = []  # (read, first row, rows; 0 rows: the whole sheet)
            budget = float(policy.target_bytes)
            while i < len(plan):
                planned = plan[i]
                if planned.read.whole:
                    if ranges and planned.estimate > budget:
                        break
                    ranges.append((i, 1, 0))
                    budget -= planned.estimate
                    i += 1
                    continue
                if planned.next_row > planned.last_row:
                    i += 1
                    continue
                cost = planned.row_cost
                fits = int(planned.full if cost <= 0 else min(planned.full, budget / cost))
                if ranges and fits < min(policy.min_rows, planned.left):
                    break  # too little room left here for a useful chunk: it starts the next request
                rows = max(1, min(planned.left, fits, policy.max_rows))
                ranges.append((i, planned.next_row, rows))
                planned.next_row += rows
                budget -= rows * cost
                if planned.next_row <= planned.last_row:
                    break  # this sheet goes on in the next request
                i += 1
            if not ranges:
                return
            yield from self._fetch(spreadsheet_id, plan, ranges, render, date_time_render)

    def _fetch(self, spreadsheet_id: str, plan: list[_Planned], ranges: list[tuple[int, int, int]],
               render: ValueRender, date_time_render: DateTimeRender) -> Iterator[tuple[int, list[Row]]]:
        """One request for `ranges`; each read's estimate corrected by what the rows with data really cost."""
        a1 = [quote_sheet(plan[i].read.sheet) if not rows else
              a1_range(plan[i].read.sheet, first, first + rows - 1, plan[i].columns) for i, first, rows in ranges]
        grids = {plan[i].read.sheet: grid for i, _, _ in ranges if (grid := plan[i].read.grid) is not None}
        before = self._executor.http.bytes_received
        got = self.values_batch_get(spreadsheet_id, a1, render, date_time_render, grids=grids)
        cost = self._executor.http.bytes_received - before
        answers = [value_range["values"] for value_range in got]
        with_data = [sum(1 for r in values if r) for values in answers]
        expected = sum(plan[i].row_bytes * n for (i, _, _), n in zip(ranges, with_data))
        ratio = cost / expected if expected > 0 and cost > 0 else 1.0
        for (i, _, rows), n, values in zip(ranges, with_data, answers):
            if rows:
                # Google leaves out a range's trailing empty rows: one that came back short ended in empty rows,
                # most likely the grid's empty rows below the data.
                plan[i].measured(ratio if n else 1.0, n / rows if len(values) == rows else 0.0, self.chunks)
        for (i, first, rows), values in zip(ranges, answers):
            if rows:
                if len(values) > rows:
                    raise TransportError(f"{plan[i].read.sheet!r} rows {first}..{first + rows - 1}: Google sent "
                                         f"{len(values)} rows", may_have_run=False)
                values.extend([] for _ in range(rows - len(values)))
            yield i, values

    def iter_grid(self, spreadsheet_id: str, sheet_title: str, grid: Grid, columns: int, first_row: int,
                  last_row: int | None = None, cell_fields: str = CELL_FIELDS,
                  row_fields: str = ROW_FIELDS) -> Iterator[list[GridRow]]:
        """Rows `first_row..last_row` (bounded by `grid` as in `iter_rows`) as (RowData, row
        DimensionProperties) pairs holding only `cell_fields` and `row_fields`, in chunks through
        `spreadsheets.get`: the read that returns formats, validation, notes and row properties, which the
        values API does not.

        Sized like `iter_rows` from what rows with cells cost (grid data costs several times more per cell
        than values, so the first chunk is small); each chunk holds exactly the rows it covers (`{}` for a
        part Google left out). Memory holds one chunk.
        """
        mask = f"sheets(data(rowData(values({cell_fields})),rowMetadata({row_fields})))"

        def fetch(a1: str, grids: Mapping[str, Grid]) -> list[GridRow]:
            got = self.get_spreadsheet(spreadsheet_id, mask, [a1], grids=grids)
            data = ((got.get("sheets") or [{}])[0].get("data") or [{}])[0]
            cells: list[dict[str, Any]] = data.get("rowData", [])
            props: list[dict[str, Any]] = data.get("rowMetadata", [])
            return [(cells[i] if i < len(cells) else {}, props[i] if i < len(props) else {})
                    for i in range(max(len(cells), len(props)))]

        return self._chunked(sheet_title, grid, columns, first_row, last_row, fetch, lambda: ({}, {}),
                             first_rows=min(self.chunks.first_rows, GRID_FIRST_ROWS),
                             measured=lambda rows: sum(1 for cells, _ in rows if cells.get("values")))

    def _chunked(self, sheet_title: str, grid: Grid, columns: int, first_row: int, last_row: int | None,
                 fetch: Callable[[str, Mapping[str, Grid]], list[T]], blank: Callable[[], T], *,
                 first_rows: int | None = None, measured: Callable[[list[T]], int] = len) -> Iterator[list[T]]:
        """Fetch rows `first_row..last_row` of the first `columns` columns, inside `grid`, in chunks sized
        from what the previous chunk's `measured` rows (those that carry data) cost each. `fetch` gets each
        chunk's A1 range and the grid it was built inside."""
        # The loop ends at the grid's last row, never at "an empty chunk came back" (empty rows are normal
        # inside a grid): no request starts past the grid the caller measured, and none is made at all for a
        # sheet without a grid or with no row in the range.
        last_row = grid.rows if last_row is None else min(last_row, grid.rows)
        columns = min(columns, grid.columns)
        if columns < 1:
            return
        expected = {sheet_title: grid}
        row = first_row
        size = 0
        bytes_per_row: float | None = None
        while row <= last_row:
            size = self.chunks.next_rows(size, bytes_per_row) if size or first_rows is None else first_rows
            end = min(last_row, row + size - 1)
            stats_before = self._executor.http.bytes_received
            rows = fetch(a1_range(sheet_title, row, end, columns), expected)
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
                        include_grid_data: bool = False, *,
                        grids: Mapping[str, Grid] | None = None) -> dict[str, Any]:
        """`spreadsheets.get` with a field mask (always give one: the whole resource is large). `grids` as in
        `values_batch_get`, for `ranges`."""
        result = self._read(
            lambda: self._spreadsheets.get(
                spreadsheetId=spreadsheet_id, fields=fields, ranges=list(ranges) if ranges else None,
                includeGridData=include_grid_data, prettyPrint=False),
            spreadsheet_id, grids)
        return _object(result, "spreadsheets.get")

    def grids(self, spreadsheet_id: str) -> dict[str, Grid]:
        """Every sheet's grid as it is now, by title: one `spreadsheets.get`."""
        got = self.get_spreadsheet(spreadsheet_id, GRID_FIELDS)
        return {str(p.get("title", "")): Grid.of(p) for p in (s.get("properties", {}) for s in got.get("sheets", []))}

    def _read(self, make_request: Callable[[], Any], spreadsheet_id: str, grids: Mapping[str, Grid] | None) -> Any:
        """Execute a read whose ranges were built inside `grids` (paced and retried by the executor).

        A 400 is an answer, not a hiccup: it is never retried. When it is the one a structure change causes
        (a range now past the grid, or naming a sheet that is gone), the grids are read once more: if one of
        `grids` is no longer what it was, that is the cause and it becomes `GridChanged` (which sheet, the
        grid expected and the one found); if they are all unchanged, the 400 has another cause and Google's
        own error stands.

        The read is not restarted with the new grid, not even when nothing of it was consumed yet (the first
        chunk of a sheet): the rows already streamed were read in the old structure (a deletion shifts the rows
        below it up, so continuing would splice two layouts into one snapshot), and the header, row count and
        preflight findings the caller works from were read before the deletion too. Only the caller's whole
        command can start again consistently, from a fresh read of the live state, and a rerun does exactly
        that: runs keep their checkpoint, and nothing with a side effect happens while a sheet is being read.
        People who delete rows are usually still editing, so an automatic restart could also chase the edits.
        """
        try:
            return self._executor.execute(make_request, target=spreadsheet_id)
        except ApiError as exc:
            if grids is None or exc.status != 400 or not any(t in exc.message for t in STRUCTURE_400_TEXTS):
                raise
            now = self.grids(spreadsheet_id)
            # The sheet that shrank or went is the cause; one that only grew (rows appended) is not.
            shrunk = [title for title, grid in grids.items() if (found := now.get(title)) is None
                      or found.rows < grid.rows or found.columns < grid.columns]
            changed = next(iter(shrunk), next((title for title, grid in grids.items() if now.get(title) != grid), None))
            if changed is None:
                raise
            found = now.get(changed)
            raise GridChanged(exc.message, sheet=changed, expected=grids[changed].size,
                              found=found.size if found is not None else None, reason=exc.reason,
                              method=exc.method) from exc

    def search_developer_metadata(self, spreadsheet_id: str,
                                  data_filters: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """`developerMetadata.search`: the `matchedDeveloperMetadata` list (`[]` when nothing matched)."""
        result = self._executor.execute(
            lambda: self._metadata.search(
                spreadsheetId=spreadsheet_id, body={"dataFilters": list(data_filters)}),
            target=spreadsheet_id)
        matched = _object(result, "developerMetadata.search").get("matchedDeveloperMetadata", [])
        return list(matched)


class _Planned:
    """Where a read stands in `read_sheets`' stream, and what a row of it costs."""

    def __init__(self, read: SheetRange, policy: ChunkPolicy) -> None:
        self.read = read
        if read.grid is None:
            self.last_row, self.columns = 0, 0
        else:
            self.last_row, self.columns = read.bounds()
        if self.columns < 1:
            self.last_row = 0  # nothing to read in a sheet without columns
        self.next_row = read.first_row
        self.row_bytes = read.row_bytes or policy.row_estimate(self.columns or read.columns)  # a row with data
        self.density = 1.0  # the share of rows with data, as last seen: an empty row costs nothing
        self.full = policy.target_bytes / self.row_bytes  # rows of a request of its own
        self.estimate = self.row_bytes * max(read.expected_rows, 1)  # a whole-sheet read's bytes

    @property
    def left(self) -> int:
        return self.last_row - self.next_row + 1

    @property
    def row_cost(self) -> float:
        """What a row of the grid is expected to cost."""
        return self.row_bytes * self.density

    def measured(self, ratio: float, density: float, policy: ChunkPolicy) -> None:
        """A chunk came back: its rows with data cost `ratio` times their estimate, and `density` of its rows had
        data. The rows of the next chunk follow, growing at most `max_growth` times at once: an empty stretch
        (the grid's empty rows below the data) is crossed in fewer, longer requests than the data, but never
        more rows than SPARSE_REACH targets would hold if they all had data (a gap in the data may end)."""
        self.row_bytes = max(self.row_bytes * ratio, 1.0)
        self.density = density
        self.full = min(policy.target_bytes / max(self.row_cost, 1.0), self.full * policy.max_growth,
                        SPARSE_REACH * policy.target_bytes / self.row_bytes)


class _Stream:
    """One stream of (read index, chunk) pairs split into one iterator per read, consumed in order."""

    def __init__(self, source: Iterator[tuple[int, list[Row]]]) -> None:
        self._source = source
        self._pending: tuple[int, list[Row]] | None = None

    def part(self, index: int, grid: Grid | None, first_row: int, last_row: int | None) -> Iterator[list[Row]]:
        # `grid`, `first_row` and `last_row` are locals on purpose: the progress bar reads a pass's length off
        # them (engine/progress.py).
        while True:
            if self._pending is None:
                self._pending = next(self._source, None)
                if self._pending is None:
                    return
            at, rows = self._pending
            if at > index:
                return
            self._pending = None
            if at == index:
                yield rows


def _object(result: Any, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise TransportError(f"{what} answered {type(result).__name__}, not a JSON object", may_have_run=False)
    return result
