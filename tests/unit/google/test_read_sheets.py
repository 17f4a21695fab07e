"""`SheetsReader.read_sheets`: every sheet a step reads in one stream of `values.batchGet` requests aimed at the
payload target from the first one on (several sheets in one request when they fit), whole-sheet reads without
a grid, and the test-only row cap."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from orchestrator.google import GoogleClients
from orchestrator.google import sheets as sheets_module
from orchestrator.google.sheets import ChunkPolicy, Grid, SheetRange
from tests.unit.google.conftest import SHEETS, SPREADSHEET_ID, FakeTime, make_clients

BATCH_GET_URL = re.compile(re.escape(f"{SHEETS}/{SPREADSHEET_ID}/values:batchGet") + r"\?.*")
_A1 = re.compile(r"^'([^']+)'(?:!A(\d+):[A-Z]+(\d+))?$")


class VirtualBook:
    """values.batchGet over several sheets as Google answers: trailing empty rows left out, compact JSON."""

    def __init__(self, sheets: dict[str, dict[int, list[Any]]]) -> None:
        self.sheets = sheets
        self.requests: list[list[str]] = []
        self.payloads: list[int] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlparse(request.url).query)
        assert query["prettyPrint"] == ["false"]
        ranges = query["ranges"]
        self.requests.append(ranges)
        value_ranges = []
        for a1 in ranges:
            match = _A1.fullmatch(a1)
            assert match, a1
            title, first, last = match.groups()
            rows = self.sheets[title]
            top = max(rows, default=0)
            lo, hi = (int(first), int(last)) if first else (1, top)
            values = [rows.get(n, []) for n in range(lo, hi + 1)]
            while values and not values[-1]:
                values.pop()
            value_ranges.append({"range": a1, **({"values": values} if values else {})})
        body = json.dumps({"spreadsheetId": SPREADSHEET_ID, "valueRanges": value_ranges})
        self.payloads.append(len(body))
        return 200, {"content-type": "application/json"}, body


def rows_of(count: int, width: int, text: str = "v") -> dict[int, list[Any]]:
    return {n: [f"K{n}"] + [f"{text}{n}.{c}" for c in range(1, width)] for n in range(1, count + 1)}


@pytest.fixture
def google(fake_time: FakeTime) -> Iterator[GoogleClients]:
    with make_clients(fake_time, reads_per_minute=0) as clients:
        yield clients


def _read(google: GoogleClients, reads: list[SheetRange]) -> list[list[list[Any]]]:
    return [[row for chunk in part for row in chunk] for part in google.sheets.read_sheets(SPREADSHEET_ID, reads)]


def test_small_sheets_go_in_one_request(mocked: responses.RequestsMock, google: GoogleClients) -> None:
    book = VirtualBook({"Operaciones": rows_of(300, 8), "Metadata": rows_of(500, 4)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    got = _read(google, [SheetRange(sheet="Operaciones", grid=Grid(rows=400, columns=8), columns=8),
                         SheetRange(sheet="Metadata", grid=Grid(rows=600, columns=4), columns=4)])
    assert book.requests == [["'Operaciones'!A2:H400", "'Metadata'!A2:D600"]]
    assert len(got[0]) == 399 and got[0][0] == rows_of(300, 8)[2] and got[0][-1] == []  # padded to the grid
    assert len(got[1]) == 599 and got[1][498] == rows_of(500, 4)[500]


def test_a_large_sheet_ends_in_the_request_where_the_next_one_starts(mocked: responses.RequestsMock,
                                                                     google: GoogleClients) -> None:
    wide = rows_of(3000, 10, "x" * 40)
    book = VirtualBook({"A": wide, "B": rows_of(100, 3)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    google.sheets.chunks = ChunkPolicy(target_bytes=200_000)
    got = _read(google, [SheetRange(sheet="A", grid=Grid(rows=3000, columns=10), columns=10),
                         SheetRange(sheet="B", grid=Grid(rows=100, columns=3), columns=3)])
    assert [len(r) for r in got] == [2999, 99]
    assert all(got[0][n - 2] == wide[n] for n in range(2, 3001))
    # the first request from the width estimate (10 columns × 20 bytes), later ones from what rows cost
    assert book.requests[0] == [f"'A'!A2:J{1 + 200_000 // 200}"]
    assert all(len(r) == 1 for r in book.requests[:-1])
    assert book.requests[-1][-1] == "'B'!A2:C100" and book.requests[-1][0].startswith("'A'!")  # A's tail, then B
    assert max(book.payloads[1:]) < 1.3 * 200_000 and min(book.payloads[1:-1]) > 0.5 * 200_000
    starts = [int(re.search(r"A(\d+):", rs[0]).group(1)) for rs in book.requests]  # type: ignore[union-attr]
    assert starts == sorted(starts)  # contiguous, in order


def test_a_sampled_row_cost_sizes_the_first_request(mocked: responses.RequestsMock, google: GoogleClients) -> None:
    book = VirtualBook({"A": rows_of(2000, 10)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    google.sheets.chunks = ChunkPolicy(target_bytes=100_000)
    _read(google, [SheetRange(sheet="A", grid=Grid(rows=2000, columns=10), columns=10, row_bytes=500)])
    assert book.requests[0] == ["'A'!A2:J201"]  # 100,000 / 500 rows


def test_whole_sheet_reads_are_one_request_from_row_one(mocked: responses.RequestsMock,
                                                        google: GoogleClients) -> None:
    book = VirtualBook({"A": rows_of(30, 5), "B": rows_of(10, 2)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    got = _read(google, [SheetRange(sheet="A", grid=None, first_row=1, expected_rows=30),
                         SheetRange(sheet="B", grid=None, first_row=1, expected_rows=10)])
    assert book.requests == [["'A'", "'B'"]]
    assert got == [[rows_of(30, 5)[n] for n in range(1, 31)], [rows_of(10, 2)[n] for n in range(1, 11)]]


def test_a_whole_sheet_read_that_does_not_fit_goes_in_the_next_request(mocked: responses.RequestsMock,
                                                                        google: GoogleClients) -> None:
    book = VirtualBook({"A": rows_of(30, 5), "B": rows_of(10, 2)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    google.sheets.chunks = ChunkPolicy(target_bytes=1_000)
    _read(google, [SheetRange(sheet="A", grid=None, first_row=1, expected_rows=30, row_bytes=20),
                   SheetRange(sheet="B", grid=None, first_row=1, expected_rows=30, row_bytes=20)])
    assert book.requests == [["'A'"], ["'B'"]]


def test_a_read_left_unconsumed_is_skipped_and_nothing_is_read_before_iterating(
        mocked: responses.RequestsMock, google: GoogleClients) -> None:
    book = VirtualBook({"A": rows_of(50, 3), "B": rows_of(50, 3), "C": rows_of(50, 3)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    google.sheets.chunks = ChunkPolicy(target_bytes=2_000, min_rows=1)
    parts = google.sheets.read_sheets(SPREADSHEET_ID, [
        SheetRange(sheet=t, grid=Grid(rows=50, columns=3), columns=3, row_bytes=40) for t in "ABC"])
    assert book.requests == []
    next(parts[0])  # A's first chunk only
    rows_c = [row for chunk in parts[2] for row in chunk]  # B is skipped, C read whole
    assert rows_c == [rows_of(50, 3)[n] for n in range(2, 51)]
    assert list(parts[1]) == []


def test_a_sheet_without_rows_or_columns_in_its_grid_is_not_read(mocked: responses.RequestsMock,
                                                                  google: GoogleClients) -> None:
    book = VirtualBook({"A": rows_of(5, 3)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    got = _read(google, [SheetRange(sheet="Chart", grid=Grid(rows=0, columns=0), columns=3),
                         SheetRange(sheet="One", grid=Grid(rows=1, columns=3), columns=3),
                         SheetRange(sheet="A", grid=Grid(rows=5, columns=3), columns=3)])
    assert got == [[], [], [rows_of(5, 3)[n] for n in range(2, 6)]]
    assert book.requests == [["'A'!A2:C5"]]


def test_the_test_only_row_cap(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    book = VirtualBook({"A": rows_of(500, 3)})
    mocked.add_callback("GET", BATCH_GET_URL, callback=book)
    sheets_module.cap_rows(200)
    try:
        with make_clients(fake_time, reads_per_minute=0) as clients:
            assert clients.sheets.chunks.max_rows == 200
            _read(clients, [SheetRange(sheet="A", grid=Grid(rows=500, columns=3), columns=3)])
    finally:
        sheets_module.cap_rows(None)
    assert book.requests == [["'A'!A2:C201"], ["'A'!A202:C401"], ["'A'!A402:C500"]]
    assert sheets_module.default_chunks() == ChunkPolicy()
