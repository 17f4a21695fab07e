import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from orchestrator.google import GoogleClients
from orchestrator.google.errors import ApiError, NotFound, PermissionDenied, QuotaExhausted, TransportError
from orchestrator.google.sheets import SPARSE_REACH, RECOMMENDED_MAX_PAYLOAD, ChunkPolicy, Grid, a1_range
from tests.unit.google.conftest import SHEETS, SPREADSHEET_ID, FakeTime, google_error, make_clients

BATCH_GET = f"{SHEETS}/{SPREADSHEET_ID}/values:batchGet"
BATCH_GET_URL = re.compile(re.escape(BATCH_GET) + r"\?.*")
VALUES = {"valueRanges": [{"range": "'Operaciones'!A1:C2", "majorDimension": "ROWS", "values": [["a", "b"]]}]}


def query(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlparse(call.request.url).query)


def test_values_batch_get_sends_ranges_and_render_options(mocked: responses.RequestsMock,
                                                          clients: GoogleClients) -> None:
    mocked.add("GET", BATCH_GET_URL, json={"valueRanges": [{"range": "A", "values": [[1]]}, {"range": "B"}]})
    result = clients.sheets.values_batch_get(SPREADSHEET_ID, ["'Operaciones'!A1:C2", "Metadata!A:J"],
                                             "UNFORMATTED_VALUE", "FORMATTED_STRING")
    assert result == [{"range": "A", "values": [[1]]}, {"range": "B", "values": []}]  # an empty range has no values
    q = query(mocked.calls[0])
    assert q["ranges"] == ["'Operaciones'!A1:C2", "Metadata!A:J"] and q["majorDimension"] == ["ROWS"]
    assert q["valueRenderOption"] == ["UNFORMATTED_VALUE"] and q["dateTimeRenderOption"] == ["FORMATTED_STRING"]
    stats = clients.stats.methods["sheets.spreadsheets.values.batchGet"]
    assert (stats.calls, stats.requests, stats.retries) == (1, 1, 0)
    assert stats.bytes == len(mocked.calls[0].response.content)


def test_reads_retry_429_5xx_and_rate_limit_403_with_backoff_and_jitter(mocked: responses.RequestsMock,
                                                                       fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, status=429, json=google_error(429, "Quota exceeded", "rateLimitExceeded"))
    mocked.add("GET", BATCH_GET_URL, status=503, json=google_error(503, "unavailable"))
    mocked.add("GET", BATCH_GET_URL, status=403, json=google_error(403, "Rate Limit Exceeded", "userRateLimitExceeded"))
    mocked.add("GET", BATCH_GET_URL, body=requests.exceptions.ReadTimeout("slow"))
    mocked.add("GET", BATCH_GET_URL, json=VALUES)
    with make_clients(fake_time, rand=0.5, reads_per_minute=0) as clients:
        assert clients.sheets.values_batch_get(SPREADSHEET_ID, ["'Operaciones'!A1:C2"])[0]["values"] == [["a", "b"]]
        stats = clients.stats.methods["sheets.spreadsheets.values.batchGet"]
        assert (stats.calls, stats.requests, stats.retries, stats.rate_limited) == (1, 5, 4, 2)
        assert clients.stats.rate_limited == 2 and clients.stats.retries == 4
    assert fake_time.sleeps == [0.5, 1.0, 2.0, 4.0]  # rand × base·2^(n-1)


def test_the_backoff_is_capped(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    for _ in range(7):
        mocked.add("GET", BATCH_GET_URL, status=500, json=google_error(500, "internal"))
    mocked.add("GET", BATCH_GET_URL, json=VALUES)
    with make_clients(fake_time, rand=1.0, reads_per_minute=0) as clients:
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
    assert fake_time.sleeps == [1, 2, 4, 8, 16, 32, 32]


def test_honours_retry_after(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, status=429, headers={"Retry-After": "30"}, json=google_error(429, "slow down"))
    mocked.add("GET", BATCH_GET_URL, json=VALUES)
    with make_clients(fake_time, rand=0.5, reads_per_minute=0) as clients:
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
    assert fake_time.sleeps == [30.0]


def test_429_until_the_limit_is_quota_exhausted(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, status=429, json=google_error(429, "Quota exceeded", "rateLimitExceeded"))
    with make_clients(fake_time, read_attempts=5) as clients, pytest.raises(QuotaExhausted) as caught:
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
    assert len(mocked.calls) == 5 and "after 5 attempts" in str(caught.value) and "60 per minute" in str(caught.value)
    assert clients.stats.methods["sheets.spreadsheets.values.batchGet"].failures == 1


def test_5xx_until_the_limit_is_a_transport_error(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, status=502, body="Bad Gateway")
    with make_clients(fake_time, read_attempts=3) as clients, pytest.raises(TransportError, match="after 3 attempts"):
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
    assert len(mocked.calls) == 3


def test_dropped_connections_until_the_limit_are_a_transport_error(mocked: responses.RequestsMock,
                                                                   fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    with make_clients(fake_time, read_attempts=4) as clients, pytest.raises(TransportError, match="4 attempts"):
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
    assert len(mocked.calls) == 4


@pytest.mark.parametrize(("status", "data", "expected"), [
    (400, google_error(400, "Unable to parse range: Nope!A1"), ApiError),
    (404, google_error(404, "Requested entity was not found."), NotFound),
    (403, google_error(403, "The caller does not have permission", "forbidden"), PermissionDenied),
])
def test_other_errors_are_not_retried(mocked: responses.RequestsMock, clients: GoogleClients, status: int,
                                      data: dict[str, object], expected: type) -> None:
    mocked.add("GET", BATCH_GET_URL, status=status, json=data)
    with pytest.raises(expected):
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
    assert len(mocked.calls) == 1


def test_every_read_is_paced_under_the_per_minute_quota(mocked: responses.RequestsMock,
                                                        fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, json=VALUES)
    stamps = []
    with make_clients(fake_time, reads_per_minute=50) as clients:
        for _ in range(120):
            clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
            stamps.append(fake_time.now)
        assert clients.stats.limiter_wait_seconds > 0
    assert max(sum(1 for t in stamps if start <= t < start + 60) for start in stamps) <= 50


def test_a1_range_quotes_titles() -> None:
    assert a1_range("Operaciones", 2, 500, 63) == "'Operaciones'!A2:BK500"
    assert a1_range("Bob's sheet", 1, 1, 1) == "'Bob''s sheet'!A1:A1"
    with pytest.raises(ValueError):
        a1_range("x", 5, 4, 3)


class VirtualSheet:
    """Serves values.batchGet for one sheet the way Google does: trailing empty rows left out."""

    def __init__(self, rows: dict[int, list[Any]]) -> None:
        self.rows = rows
        self.requests: list[tuple[int, int]] = []
        self.payloads: list[int] = []

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        (a1,) = parse_qs(urlparse(request.url).query)["ranges"]
        first, last = map(int, re.fullmatch(r"'[^']+'!A(\d+):[A-Z]+(\d+)", a1).groups())  # type: ignore[union-attr]
        self.requests.append((first, last))
        values = [self.rows.get(n, []) for n in range(first, last + 1)]
        while values and not values[-1]:
            values.pop()
        value_range: dict[str, Any] = {"range": a1, "majorDimension": "ROWS"}
        if values:
            value_range["values"] = values
        body = json.dumps({"spreadsheetId": SPREADSHEET_ID, "valueRanges": [value_range]}, indent=2)
        self.payloads.append(len(body))
        return 200, {"content-type": "application/json"}, body


def test_iter_rows_sizes_chunks_from_the_bytes_per_row_and_stays_under_2_mb(mocked: responses.RequestsMock,
                                                                           fake_time: FakeTime) -> None:
    # 6,000 data rows of ~1.3 KB (a wide row), a gap of empty rows in the middle, and an empty grid tail.
    wide = {n: [f"MK-{n:05d}"] + [f"valor {n} {c} " * 4 for c in range(62)] for n in range(2, 6002)
            if not 3000 <= n < 3400}
    sheet = VirtualSheet(wide)
    mocked.add_callback("GET", BATCH_GET_URL, callback=sheet)
    with make_clients(fake_time, reads_per_minute=0) as clients:
        chunks = list(clients.sheets.iter_rows(SPREADSHEET_ID, "Operaciones", Grid(rows=8000, columns=63), 63, 2))
        stats = clients.stats.methods["sheets.spreadsheets.values.batchGet"]
        assert stats.calls == len(chunks) and stats.bytes == sum(sheet.payloads)
    rows = [row for chunk in chunks for row in chunk]
    assert len(rows) == 8000 - 2 + 1  # every requested row, in order, empty ones as []
    assert all(rows[n - 2] == wide.get(n, []) for n in range(2, 8001))
    assert [len(c) for c in chunks] == [last - first + 1 for first, last in sheet.requests]
    # the first request is aimed at the target from the width alone: no growing from a small first chunk
    assert sheet.requests[0] == (2, 1 + int(ChunkPolicy().target_bytes / ChunkPolicy().row_estimate(63)))
    assert sheet.payloads[0] > 0.5 * ChunkPolicy().target_bytes
    # These rows are fat (65 bytes a cell as Google indents them, v2.1's cost 7 to 21): the estimate from the width
    # overshoots the first request; every later one is sized from what the rows cost.
    # After the gap of empty rows (crossed in longer chunks) the rows have data again: that chunk may hold up to
    # SPARSE_REACH targets; every other one stays under Google's 2 MB.
    target = ChunkPolicy().target_bytes
    assert max(sheet.payloads[1:]) <= SPARSE_REACH * target * 1.05
    assert sorted(sheet.payloads[1:])[-2] < RECOMMENDED_MAX_PAYLOAD
    assert max(sheet.payloads[1:]) > 0.5 * target  # and not needlessly small either
    assert all(b - a == 1 for (_, a), (b, _) in zip(sheet.requests, sheet.requests[1:]))  # contiguous


def test_iter_rows_over_empty_rows_grows_its_chunks(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    sheet = VirtualSheet({})
    mocked.add_callback("GET", BATCH_GET_URL, callback=sheet)
    with make_clients(fake_time, reads_per_minute=0) as clients:
        chunks = list(clients.sheets.iter_rows(SPREADSHEET_ID, "Vacía", Grid(rows=40000, columns=5), 5, 1))
    sizes = [last - first + 1 for first, last in sheet.requests]
    first = int(ChunkPolicy().target_bytes / ChunkPolicy().row_estimate(5))
    # empty rows cost nothing: the chunks grow (4× at most, and at most SPARSE_REACH targets of rows with data)
    assert sizes == [first, min(4 * first, int(SPARSE_REACH * first), ChunkPolicy().max_rows), 40000 - first - 20000]
    assert all(row == [] for chunk in chunks for row in chunk) and sum(map(len, chunks)) == 40000


def test_chunk_policy_shrinks_after_fat_rows() -> None:
    policy = ChunkPolicy()
    assert policy.next_rows(0, None) == 200
    assert policy.next_rows(200, 100.0) == 800  # would be 15,000: growth is capped at 4×
    assert policy.next_rows(2000, 10_000.0) == 150  # 10 KB rows: 1.5 MB / 10 KB
    assert policy.next_rows(2000, 10_000_000.0) == policy.min_rows


def test_get_spreadsheet_sends_the_field_mask(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("GET", re.compile(re.escape(f"{SHEETS}/{SPREADSHEET_ID}") + r"\?.*"),
               json={"properties": {"title": "ZEUES"}})
    result = clients.sheets.get_spreadsheet(SPREADSHEET_ID, "properties.title,sheets.properties",
                                            ranges=["Operaciones!1:1"], include_grid_data=True)
    assert result == {"properties": {"title": "ZEUES"}}
    q = query(mocked.calls[0])
    assert q["fields"] == ["properties.title,sheets.properties"] and q["ranges"] == ["Operaciones!1:1"]
    assert q["includeGridData"] == ["true"]


def test_search_developer_metadata(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    url = f"{SHEETS}/{SPREADSHEET_ID}/developerMetadata:search"
    mocked.add("POST", url, json={})
    filters = [{"developerMetadataLookup": {"metadataKey": "zeues.schema_version"}}]
    assert clients.sheets.search_developer_metadata(SPREADSHEET_ID, filters) == []
    assert json.loads(mocked.calls[0].request.body) == {"dataFilters": filters}
    match = {"developerMetadata": {"metadataId": 7, "metadataKey": "zeues.schema_version", "metadataValue": "3.0"}}
    mocked.add("POST", url, json={"matchedDeveloperMetadata": [match]})
    assert clients.sheets.search_developer_metadata(SPREADSHEET_ID, filters) == [match]
