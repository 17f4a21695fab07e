"""`zeues-migrate dump`: needs no bridge (no deployment id), writes the file, and says when it cannot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses
from click.testing import CliRunner

from orchestrator.cli import main
from tests.support.tokens import token_file
from orchestrator.exit_codes import ExitCode
from tests.unit.cli.conftest import ENDPOINT, GET, SID, Invoke

SHEET = {"properties": {"sheetId": 0, "title": "Operaciones", "index": 0, "sheetType": "GRID",
                        "gridProperties": {"rowCount": 3, "columnCount": 2}}}


def _answer(request: Any) -> tuple[int, dict[str, str], str]:
    query = parse_qs(urlparse(request.url).query)
    if "ranges" not in query:
        return 200, {}, json.dumps({"spreadsheetId": SID, "properties": {"title": "ZEUES"}, "sheets": [SHEET]})
    if "columnMetadata" in query["fields"][0]:
        return 200, {}, json.dumps({"sheets": [{"properties": {"sheetId": 0},
                                                "data": [{"columnMetadata": [{"pixelSize": 100}] * 2}]}]})
    rows = [{"values": [{"userEnteredValue": {"stringValue": "TAG_SPOOL"}}]},
            {"values": [{"userEnteredValue": {"stringValue": "MK-1"}}, {"userEnteredValue": {"formulaValue": "=1"}}]}]
    return 200, {}, json.dumps({"sheets": [{"data": [{"rowData": rows, "rowMetadata": [{"pixelSize": 21}] * 3}]}]})


def test_dump_needs_no_deployment_id(mocked: responses.RequestsMock, invoke: Invoke, tmp_path: Path) -> None:
    mocked.add_callback("GET", GET, callback=_answer)
    out = tmp_path / "sub" / "dump.json"
    result = CliRunner().invoke(main, ["dump", "-o", str(out), "--endpoint", ENDPOINT, "--spreadsheet-id", SID,
                                       "--credentials", str(token_file(tmp_path / "token.json", f"{ENDPOINT}/token")),
                                       "--reads-per-minute", "0", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["command"] == "dump" and doc["result"]["sheets"][0]["data_rows"] == 2
    resource = json.loads(out.read_text(encoding="utf-8"))
    assert resource["sheets"][0]["data"][0]["rowData"][1]["values"][1] == {"userEnteredValue": {"formulaValue": "=1"}}
    assert not [c for c in mocked.calls if c.request.method != "GET"], "dump only reads"


def test_an_unwritable_output_is_a_local_io_error(invoke: Invoke, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = invoke("dump", "-o", str(blocker / "dump.json"), "--json")
    assert out.code == ExitCode.LOCAL_IO and out.doc["error"]["code"] == "LOCAL_IO"
    assert out.doc["error"]["message"].startswith(f"cannot create the folder {blocker}")
