"""The CLI over `responses`: `zeues-migrate` invoked in-process (click's runner), every Google call mocked at
the HTTP level through the emulator-style endpoint override (one base URL, a user token that needs no refresh)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.engine.state import HISTORY_COLUMNS, HISTORY_SHEET
from tests.support.tokens import token_file

ENDPOINT = "http://127.0.0.1:9"  # loopback: the test token may go there (orchestrator/google/auth.py)
SID = "1SpreadsheetForCliTests"
DEPLOYMENT = "AKfycbCliTests"
SPREADSHEETS = f"{ENDPOINT}/v4/spreadsheets/{SID}"
GET = re.compile(re.escape(SPREADSHEETS) + r"\?.*")
BATCH_GET = re.compile(re.escape(f"{SPREADSHEETS}/values:batchGet") + r"\?.*")
SEARCH = f"{SPREADSHEETS}/developerMetadata:search"
RUN = f"{ENDPOINT}/v1/scripts/{DEPLOYMENT}:run"
HEADER = ["TAG_SPOOL", "NV", "Armador"]


@dataclass
class Invocation:
    code: int
    stdout: str
    stderr: str

    @property
    def doc(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.stdout)
        return parsed


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


Invoke = Callable[..., Invocation]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """`invoke(verb, *args, connect=True)`: run the CLI with the test endpoint and ids (no terminal on stdin)."""
    monkeypatch.chdir(tmp_path)  # no zeues-migrate.toml from elsewhere
    for name in [k for k in os.environ if k.startswith("ZEUES_")]:
        monkeypatch.delenv(name)

    def run(*args: str, connect: bool = True) -> Invocation:
        flags = ["--endpoint", ENDPOINT, "--deployment-id", DEPLOYMENT, "--spreadsheet-id", SID,
                 "--reads-per-minute", "0", "--read-attempts", "1", "--checkpoint-dir", str(tmp_path / "ck"),
                 "--credentials", str(token_file(tmp_path / "token.json", f"{ENDPOINT}/token"))]
        result = CliRunner().invoke(main, [*args, *(flags if connect else [])], catch_exceptions=False)
        return Invocation(result.exit_code, result.stdout, result.stderr)

    return run


def live_state(mocked: responses.RequestsMock, history: Sequence[Sequence[str]] = (),
               metadata: Sequence[dict[str, Any]] = ()) -> None:
    """Answer the two reads of `read_live_state` (the sheets, then their header and history rows as grid data):
    one `Operaciones` sheet (+ the history sheet if any rows). `metadata`: developerMetadata.search matches."""
    sheets = [{"properties": {"sheetId": 0, "title": "Operaciones", "index": 0,
                              "gridProperties": {"rowCount": 10, "columnCount": 3}}}]

    def grid(*rows: Sequence[str]) -> dict[str, Any]:
        return {"rowData": [{"values": [{"formattedValue": c} for c in row]} for row in rows]}

    data: list[dict[str, Any]] = [{"properties": {"title": "Operaciones"}, "data": [grid(HEADER)]}]
    if history:
        sheets.append({"properties": {"sheetId": 9, "title": HISTORY_SHEET, "index": 1, "hidden": True,
                                      "gridProperties": {"rowCount": 100, "columnCount": 10}}})
        data.append({"properties": {"title": HISTORY_SHEET}, "data": [grid(HISTORY_COLUMNS), grid(*history)]})
    top = [m["developerMetadata"] for m in metadata if m["developerMetadata"]["location"].get("spreadsheet")]
    meta = {"spreadsheetId": SID, "properties": {"title": "ZEUES", "timeZone": "America/Santiago"},
            "developerMetadata": top, "sheets": sheets}

    def get(request: Any) -> tuple[int, dict[str, str], str]:
        return 200, {}, json.dumps({"sheets": data} if "ranges=" in request.url else meta)

    mocked.add_callback("GET", GET, callback=get)
    mocked.add("POST", SEARCH, json={"matchedDeveloperMetadata": list(metadata)})


def script_ok(result: Any) -> dict[str, Any]:
    return {"done": True, "response": {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionResponse",
                                       "result": result}}


def script_error(message: str) -> dict[str, Any]:
    """`scripts.run`'s HTTP 200 answer when the function threw."""
    return {"done": True, "error": {"code": 3, "message": "ScriptError", "details": [{
        "@type": "type.googleapis.com/google.apps.script.v1.ExecutionError", "errorMessage": message,
        "errorType": "ScriptError", "scriptStackTraceElements": [{"function": "setHold", "lineNumber": 7}]}]}}


def google_error(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message}
    if reason:
        error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
    return {"error": error}
