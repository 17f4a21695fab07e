"""`dump_spreadsheet` over `responses`: chunked grid reads that cover the grid exactly, metadata placed where
`spreadsheets.create` takes it, trailing empty rows left out, and what is not copied said plainly."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from google.auth.credentials import AnonymousCredentials

from orchestrator.config import Config
from orchestrator.engine.dump import dump_spreadsheet
from orchestrator.google import GoogleClients
from orchestrator.google.auth import LoadedCredentials
from orchestrator.google.sheets import GRID_FIRST_ROWS, RECOMMENDED_MAX_PAYLOAD
from tests.support.discovery import validate

ENDPOINT = "http://google.test"
SID = "1DumpSource"
GET = re.compile(re.escape(f"{ENDPOINT}/v4/spreadsheets/{SID}") + r"\?.*")
ROWS, COLUMNS, DATA_ROWS = 3000, 3, 1200
TAG = {"metadataId": 77, "metadataKey": "zeues.column", "metadataValue": "version", "visibility": "DOCUMENT",
       "location": {"locationType": "COLUMN", "dimensionRange": {"dimension": "COLUMNS", "startIndex": 2,
                                                                 "endIndex": 3}}}
STRUCTURE = {
    "spreadsheetId": SID,
    "properties": {"title": "ZEUES", "locale": "es_CL", "timeZone": "America/Santiago", "autoRecalc": "ON_CHANGE"},
    "developerMetadata": [{"metadataId": 5, "metadataKey": "zeues.schema_version", "metadataValue": "3.0",
                           "visibility": "DOCUMENT", "location": {"locationType": "SPREADSHEET", "spreadsheet": True}}],
    "sheets": [{"properties": {"sheetId": 0, "title": "Operaciones", "index": 0, "sheetType": "GRID",
                               "gridProperties": {"rowCount": ROWS, "columnCount": COLUMNS, "frozenRowCount": 1}},
                "protectedRanges": [{"protectedRangeId": 1}]}],
}


def _row(r: int) -> dict[str, Any]:
    """Row r (0-based): a header, then data rows with a blank one every 100th, then nothing."""
    if r >= DATA_ROWS or (r and r % 100 == 0):
        return {}
    return {"values": [{"userEnteredValue": {"stringValue": f"MK-{r:04d}-" + "x" * 400}},
                       {"userEnteredValue": {"formulaValue": f"=LEN(A{r + 1})"},
                        "userEnteredFormat": {"numberFormat": {"type": "NUMBER"}}},
                       {"userEnteredValue": {"numberValue": 0}}]}


def _answer(request: Any) -> tuple[int, dict[str, str], str]:
    query = parse_qs(urlparse(request.url).query)
    fields, ranges = query["fields"][0], query.get("ranges", [])
    if not ranges:
        return 200, {}, json.dumps(STRUCTURE)
    if "columnMetadata" in fields:
        columns = [{"pixelSize": 100}, {"pixelSize": 120, "hiddenByUser": True},
                   {"pixelSize": 100, "developerMetadata": [TAG]}]
        return 200, {}, json.dumps({"sheets": [{"properties": {"sheetId": 0}, "data": [{"columnMetadata": columns}]}]})
    first, last = (int(n) for n in re.fullmatch(r"'Operaciones'!A(\d+):C(\d+)", ranges[0]).groups())  # type: ignore[union-attr]
    rows = [_row(r) for r in range(first - 1, last)]
    while rows and not rows[-1]:
        rows.pop()  # Google leaves trailing empty rows out
    meta = [{"pixelSize": 21, **({"hiddenByUser": True} if r == 5 else {})} for r in range(first - 1, last)]
    return 200, {}, json.dumps({"sheets": [{"data": [{"rowData": rows, "rowMetadata": meta}]}]})


@pytest.fixture
def clients() -> Iterator[GoogleClients]:
    config = Config(spreadsheet_id=SID, endpoint=ENDPOINT, reads_per_minute=0)
    with GoogleClients(config, LoadedCredentials(AnonymousCredentials(), "user", "test")) as google:
        yield google


def test_dump_streams_chunks_that_cover_the_grid(clients: GoogleClients, tmp_path: Path) -> None:
    with responses.RequestsMock() as mocked:
        mocked.add_callback("GET", GET, callback=_answer)
        report = dump_spreadsheet(clients.sheets, SID, tmp_path / "out" / "dump.json")
        grid_calls = [c for c in mocked.calls if "rowData" in parse_qs(urlparse(c.request.url).query)["fields"][0]]
    spans = [tuple(int(n) for n in re.findall(r"\d+", parse_qs(urlparse(c.request.url).query)["ranges"][0]))
             for c in grid_calls]
    assert spans[0] == (1, GRID_FIRST_ROWS), "a small first chunk measures what a row costs"
    assert [s[0] for s in spans[1:]] == [s[1] + 1 for s in spans[:-1]] and spans[-1][1] == ROWS, "no gap, no overlap"
    assert len(spans) > 2 and max(len(c.response.content) for c in grid_calls) < RECOMMENDED_MAX_PAYLOAD

    resource = json.loads((tmp_path / "out" / "dump.json").read_text(encoding="utf-8"))
    validate("sheets", "Spreadsheet", resource)
    assert resource["developerMetadata"] == [{"metadataId": 5, "metadataKey": "zeues.schema_version",
                                              "metadataValue": "3.0", "visibility": "DOCUMENT"}]
    (sheet,) = resource["sheets"]
    assert sheet["properties"]["gridProperties"] == {"rowCount": ROWS, "columnCount": COLUMNS, "frozenRowCount": 1}
    (data,) = sheet["data"]
    assert [r.get("values") for r in data["rowData"]] == [_row(r).get("values") for r in range(DATA_ROWS)]
    assert len(data["rowMetadata"]) == ROWS and data["rowMetadata"][5] == {"pixelSize": 21, "hiddenByUser": True}
    assert data["columnMetadata"][1] == {"pixelSize": 120, "hiddenByUser": True}
    assert data["columnMetadata"][2]["developerMetadata"] == [{k: v for k, v in TAG.items() if k != "location"}]
    assert "protectedRanges" not in sheet and report.not_copied == ["'Operaciones': 1 protectedRanges"]
    (summary,) = report.sheets
    assert (summary.data_rows, summary.cells) == (DATA_ROWS, sum(len(_row(r).get("values", [])) for r in range(ROWS)))
    assert list((tmp_path / "out").iterdir()) == [tmp_path / "out" / "dump.json"], "no partial or spill file left"


def test_a_failed_read_leaves_no_file(clients: GoogleClients, tmp_path: Path) -> None:
    with responses.RequestsMock() as mocked:
        mocked.add("GET", GET, json=STRUCTURE)
        mocked.add("GET", GET, status=404, json={"error": {"code": 404, "message": "gone"}})
        with pytest.raises(Exception, match="404"):
            dump_spreadsheet(clients.sheets, SID, tmp_path / "dump.json")
    assert list(tmp_path.iterdir()) == []
