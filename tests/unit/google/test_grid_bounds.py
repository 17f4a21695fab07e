"""No read starts past the grid the orchestrator just measured, and a grid that shrinks while a sheet is read in
chunks (someone deleting rows or columns) ends the read with `GridChanged` instead of Google's raw 400.

Google (DESIGN.md, Platform facts) refuses a read whose range *starts* outside the grid with 400 "Range (…)
exceeds grid limits. Max rows: N, max columns: M", clips one that only ends past it, and answers "Unable to
parse range" for a sheet that is not there. `FakeGoogle` serves the Sheets reads that way over `responses`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from orchestrator.engine.state import HISTORY_COLUMNS, HISTORY_SHEET, read_live_state
from orchestrator.google import GoogleClients
from orchestrator.google.errors import ApiError, GridChanged
from orchestrator.google.sheets import GRID_FIELDS, ChunkPolicy, Grid
from tests.unit.google.conftest import SHEETS, SPREADSHEET_ID, FakeTime, google_error, make_clients

GET_URL = re.compile(re.escape(f"{SHEETS}/{SPREADSHEET_ID}") + r"\?.*")
BATCH_GET_URL = re.compile(re.escape(f"{SHEETS}/{SPREADSHEET_ID}/values:batchGet") + r"\?.*")
SEARCH_URL = f"{SHEETS}/{SPREADSHEET_ID}/developerMetadata:search"
_A1 = re.compile(r"^'((?:[^']|'')*)'!([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?$")


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


@dataclass
class Area:
    sheet: str
    first_row: int
    first_column: int
    last_row: int | None  # None: to the grid's edge
    last_column: int | None


def parse_a1(a1: str) -> Area:
    match = _A1.fullmatch(a1)
    assert match is not None, a1
    title, c0, r0, c1, r1 = match.groups()
    return Area(title.replace("''", "'"), int(r0 or 1), _column(c0) if c0 else 1,
                int(r1) if r1 else None, _column(c1) if c1 else None)


@dataclass
class FakeSheet:
    rows: int
    columns: int
    data: dict[int, list[Any]] = field(default_factory=dict)  # 1-based row -> cells
    chart: bool = False  # a chart sheet: no grid at all


@dataclass
class FakeGoogle:
    """`spreadsheets.get` (properties, or grid data for `ranges`) and `values.batchGet` as Google answers them.

    `before_read(n)` runs before a read whose first range is the n-th range asked for (1-based) is answered: a
    test deletes rows there."""

    sheets: dict[str, FakeSheet]
    before_read: Callable[[int], None] = lambda n: None
    starts: list[tuple[str, int, int]] = field(default_factory=list)  # (sheet, row, column) of every range read
    ranges: list[str] = field(default_factory=list)
    grid_reads: int = 0

    def install(self, mocked: responses.RequestsMock) -> None:
        mocked.add_callback("GET", GET_URL, callback=self.get)
        mocked.add_callback("GET", BATCH_GET_URL, callback=self.batch_get)
        mocked.add("POST", SEARCH_URL, json={})

    def _resolve(self, a1: str) -> tuple[FakeSheet, Area] | tuple[None, str]:
        """The sheet and area a range covers, clipped to the grid; or Google's 400 message for it."""
        self.ranges.append(a1)
        area = parse_a1(a1)
        self.starts.append((area.sheet, area.first_row, area.first_column))
        sheet = self.sheets.get(area.sheet)
        if sheet is None or sheet.chart:
            return None, f"Unable to parse range: {a1}"
        if area.first_row > sheet.rows or area.first_column > sheet.columns:
            return None, (f"Range ({a1}) exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.columns}")
        area.last_row = min(area.last_row or sheet.rows, sheet.rows)
        area.last_column = min(area.last_column or sheet.columns, sheet.columns)
        return sheet, area

    def _rows(self, sheet: FakeSheet, area: Area) -> list[list[Any]]:
        assert area.last_row is not None and area.last_column is not None
        rows = [sheet.data.get(n, [])[area.first_column - 1:area.last_column]
                for n in range(area.first_row, area.last_row + 1)]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def _reads(self, ranges: list[str]) -> tuple[list[tuple[FakeSheet, Area]], str | None]:
        self.before_read(len(self.ranges) + 1)
        resolved = []
        for a1 in ranges:
            sheet, area = self._resolve(a1)
            if sheet is None:
                assert isinstance(area, str)
                return [], area
            assert isinstance(area, Area)
            resolved.append((sheet, area))
        return resolved, None

    @staticmethod
    def _answer(body: Any, status: int = 200) -> tuple[int, dict[str, str], str]:
        return status, {"content-type": "application/json"}, json.dumps(body)

    def _refuse(self, message: str) -> tuple[int, dict[str, str], str]:
        return self._answer(google_error(400, message, status_text="INVALID_ARGUMENT"), 400)

    def batch_get(self, request: Any) -> tuple[int, dict[str, str], str]:
        resolved, refused = self._reads(parse_qs(urlparse(request.url).query)["ranges"])
        if refused:
            return self._refuse(refused)
        value_ranges = []
        for sheet, area in resolved:
            rows = self._rows(sheet, area)
            value_ranges.append({"range": "…", **({"values": rows} if rows else {})})
        return self._answer({"spreadsheetId": SPREADSHEET_ID, "valueRanges": value_ranges})

    def get(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlparse(request.url).query)
        if "ranges" not in query:
            self.grid_reads += query["fields"] == [GRID_FIELDS]
            return self._answer({"spreadsheetId": SPREADSHEET_ID, "properties": {"title": "ZEUES"},
                                 "sheets": [{"properties": self._properties(i, t, s)}
                                            for i, (t, s) in enumerate(self.sheets.items())]})
        resolved, refused = self._reads(query["ranges"])
        if refused:
            return self._refuse(refused)
        sheets: dict[str, list[dict[str, Any]]] = {}  # by title, in the order of the ranges, as Google groups them
        for sheet, area in resolved:
            assert area.last_row is not None
            row_data = [{"values": [{"userEnteredValue": {"stringValue": str(v)}, "formattedValue": str(v)}
                                    for v in row]} for row in self._rows(sheet, area)]
            sheets.setdefault(area.sheet, []).append({
                "rowData": row_data, "rowMetadata": [{"pixelSize": 21}] * (area.last_row - area.first_row + 1)})
        return self._answer({"sheets": [{"properties": {"title": t}, "data": d} for t, d in sheets.items()]})

    @staticmethod
    def _properties(index: int, title: str, sheet: FakeSheet) -> dict[str, Any]:
        if sheet.chart:
            return {"sheetId": index, "title": title, "index": index, "sheetType": "OBJECT"}
        return {"sheetId": index, "title": title, "index": index, "sheetType": "GRID",
                "gridProperties": {"rowCount": sheet.rows, "columnCount": sheet.columns}}


def operaciones(rows: int, columns: int, data_rows: int) -> FakeSheet:
    return FakeSheet(rows, columns, {n: [f"MK-{n}"] + [f"v{n}.{c}" for c in range(1, columns)]
                                     for n in range(1, data_rows + 1)})


@pytest.fixture
def google(fake_time: FakeTime) -> Iterator[GoogleClients]:
    with make_clients(fake_time, reads_per_minute=0) as clients:
        # Small sheets read in several requests, as large ones are (a request is otherwise ~1.5 MB of rows).
        clients.sheets.chunks = ChunkPolicy(max_rows=200)
        yield clients


# -- every range starts inside the grid ----------------------------------------------------------------------

@pytest.mark.parametrize("grid_rows", [1, 2, 199, 201, 202, 1000, 1001])
@pytest.mark.parametrize("kind", ["values", "grid"])
def test_chunk_reads_start_inside_the_grid_and_stop_at_its_last_row(mocked: responses.RequestsMock,
                                                                   google: GoogleClients, grid_rows: int,
                                                                   kind: str) -> None:
    # Only 40 rows hold data: the loop must not stop at the first empty chunk, nor go past the grid.
    fake = FakeGoogle({"Operaciones": operaciones(grid_rows, 8, min(40, grid_rows))})
    fake.install(mocked)
    grid = Grid(rows=grid_rows, columns=8)
    if kind == "values":
        chunks: list[list[Any]] = list(google.sheets.iter_rows(SPREADSHEET_ID, "Operaciones", grid, 8, 2))
    else:
        chunks = list(google.sheets.iter_grid(SPREADSHEET_ID, "Operaciones", grid, 8, 2))
    assert all(row <= grid_rows and column == 1 for _, row, column in fake.starts), fake.starts
    assert sum(len(c) for c in chunks) == max(grid_rows - 1, 0)  # every row 2..rowCount, and only those
    if grid_rows < 2:
        assert fake.ranges == []  # a sheet with no row 2 is not read at all


def test_a_last_row_past_the_grid_and_a_width_past_it_are_cut_to_the_grid(mocked: responses.RequestsMock,
                                                                          google: GoogleClients) -> None:
    fake = FakeGoogle({"Operaciones": operaciones(300, 63, 300)})
    fake.install(mocked)
    rows = [r for c in google.sheets.iter_rows(SPREADSHEET_ID, "Operaciones", Grid(rows=300, columns=63), 70, 2,
                                               5000) for r in c]
    assert len(rows) == 299 and fake.ranges[-1].endswith(":BK300")  # column 63 is BK
    assert all(row <= 300 for _, row, _ in fake.starts)


def test_a_sheet_without_a_grid_is_never_read(mocked: responses.RequestsMock, google: GoogleClients) -> None:
    fake = FakeGoogle({"Gráfico": FakeSheet(0, 0, chart=True)})
    fake.install(mocked)
    assert list(google.sheets.iter_rows(SPREADSHEET_ID, "Gráfico", Grid(rows=0, columns=0), 5, 1)) == []
    assert list(google.sheets.iter_grid(SPREADSHEET_ID, "Gráfico", Grid(rows=0, columns=0), 5, 1)) == []
    assert fake.ranges == []


def test_the_live_state_reads_only_ranges_inside_each_grid(mocked: responses.RequestsMock,
                                                           google: GoogleClients) -> None:
    """A chart sheet (no grid) gets no header read; a history sheet of one row gets no `A2:J` read."""
    fake = FakeGoogle({
        "Operaciones": operaciones(10, 3, 5),
        "Gráfico": FakeSheet(0, 0, chart=True),
        HISTORY_SHEET: FakeSheet(1, 10, {1: list(HISTORY_COLUMNS)}),
    })
    fake.install(mocked)
    state = read_live_state(google.sheets, SPREADSHEET_ID)
    # each header with a sample of its first data rows (what a row costs); a range may end past the grid
    assert fake.ranges == ["'Operaciones'!1:4", f"'{HISTORY_SHEET}'!1:4"]
    assert [s.title for s in state.sheets] == ["Operaciones", "Gráfico", HISTORY_SHEET]
    chart = state.sheet("Gráfico")
    assert chart is not None and chart.header == [] and chart.grid == Grid(rows=0, columns=0)
    assert state.history == [] and state.sheet("Operaciones").header == ["MK-1", "v1.1", "v1.2"]  # type: ignore[union-attr]


# -- a grid that shrinks mid-read ---------------------------------------------------------------------------

def _deleting(fake: FakeGoogle, at_read: int, sheet: str, rows: int | None = None,
              columns: int | None = None) -> Callable[[int], None]:
    """Before the `at_read`-th range read: delete rows and columns from the end, as a person would."""
    def before(n: int) -> None:
        if n == at_read:
            target = fake.sheets.pop(sheet) if rows is None and columns is None else fake.sheets[sheet]
            target.rows = rows if rows is not None else target.rows
            target.columns = columns if columns is not None else target.columns
    return before


@pytest.mark.parametrize("kind", ["values", "grid"])
def test_rows_and_columns_deleted_between_chunks_is_grid_changed(mocked: responses.RequestsMock,
                                                                 google: GoogleClients, kind: str) -> None:
    fake = FakeGoogle({"Operaciones": operaciones(450, 65, 300)})
    fake.before_read = _deleting(fake, 2, "Operaciones", rows=150, columns=63)
    fake.install(mocked)
    grid = Grid(rows=450, columns=65)
    with pytest.raises(GridChanged) as caught:
        read = (google.sheets.iter_rows if kind == "values" else google.sheets.iter_grid)
        for _chunk in read(SPREADSHEET_ID, "Operaciones", grid, 63, 2):
            pass
    error = caught.value
    assert (error.sheet, error.expected, error.found, error.status) == ("Operaciones", (450, 65), (150, 63), 400)
    text = str(error)
    assert "exceeds grid limits. Max rows: 150, max columns: 63" in text  # Google's words first
    assert "'Operaciones' changed while it was being read" in text
    assert "450 rows × 65 columns" in text and "150 rows × 63 columns" in text
    assert "rerun the same command" in text and "checkpoint" in text
    # The first chunk that started past the new grid was refused, asked once (a 400 is not retried), and the
    # grid re-read once to confirm; nothing was asked after it.
    assert [row > 150 for _, row, _ in fake.starts].index(True) == len(fake.starts) - 1
    assert fake.ranges.count(fake.ranges[-1]) == 1 and fake.grid_reads == 1


def test_a_sheet_deleted_mid_read_is_grid_changed_with_no_grid_found(mocked: responses.RequestsMock,
                                                                     google: GoogleClients) -> None:
    fake = FakeGoogle({"Operaciones": operaciones(450, 65, 300), "Metadata": operaciones(50, 10, 10)})
    fake.before_read = _deleting(fake, 2, "Operaciones")
    fake.install(mocked)
    with pytest.raises(GridChanged) as caught:
        list(google.sheets.iter_rows(SPREADSHEET_ID, "Operaciones", Grid(rows=450, columns=65), 65, 2))
    assert caught.value.found is None and "Unable to parse range" in str(caught.value)
    assert "is gone (the sheet was deleted or renamed)" in str(caught.value)


def test_a_sheet_deleted_between_the_states_two_reads_is_grid_changed(mocked: responses.RequestsMock,
                                                                     google: GoogleClients) -> None:
    fake = FakeGoogle({"Operaciones": operaciones(10, 3, 5), "Metadata": operaciones(50, 10, 10)})
    fake.before_read = _deleting(fake, 1, "Metadata")  # after spreadsheets.get, before the header batchGet
    fake.install(mocked)
    with pytest.raises(GridChanged) as caught:
        read_live_state(google.sheets, SPREADSHEET_ID)
    assert (caught.value.sheet, caught.value.expected, caught.value.found) == ("Metadata", (50, 10), None)


def test_a_grid_limits_400_with_the_grid_unchanged_is_googles_error(mocked: responses.RequestsMock,
                                                                    google: GoogleClients) -> None:
    """The grid re-read shows no change: the 400 has another cause, and it is reported as Google said it."""
    mocked.add("GET", BATCH_GET_URL, status=400, json=google_error(
        400, "Range ('Operaciones'!A202:E401) exceeds grid limits. Max rows: 100, max columns: 5"))
    mocked.add("GET", GET_URL, json={"sheets": [{"properties": {
        "title": "Operaciones", "gridProperties": {"rowCount": 100, "columnCount": 5}}}]})
    with pytest.raises(ApiError, match="exceeds grid limits") as caught:
        google.sheets.values_batch_get(SPREADSHEET_ID, ["'Operaciones'!A202:E401"],
                                       grids={"Operaciones": Grid(rows=100, columns=5)})
    assert not isinstance(caught.value, GridChanged)
    assert [c.request.method for c in mocked.calls] == ["GET", "GET"]  # the read once, the grid re-read once


def test_other_400s_are_not_retried_nor_checked_against_the_grid(mocked: responses.RequestsMock,
                                                                 google: GoogleClients) -> None:
    mocked.add("GET", BATCH_GET_URL, status=400, json=google_error(
        400, "Invalid value at 'value_render_option' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption)"))
    with pytest.raises(ApiError, match="value_render_option") as caught:
        google.sheets.values_batch_get(SPREADSHEET_ID, ["'Operaciones'!A2:E9"],
                                       grids={"Operaciones": Grid(rows=100, columns=5)})
    assert not isinstance(caught.value, GridChanged) and len(mocked.calls) == 1


def test_a_read_without_grids_keeps_googles_400(mocked: responses.RequestsMock, google: GoogleClients) -> None:
    mocked.add("GET", BATCH_GET_URL, status=400, json=google_error(
        400, "Range ('X'!A9:A9) exceeds grid limits. Max rows: 5, max columns: 1"))
    with pytest.raises(ApiError) as caught:
        google.sheets.values_batch_get(SPREADSHEET_ID, ["'X'!A9:A9"])
    assert not isinstance(caught.value, GridChanged) and len(mocked.calls) == 1
