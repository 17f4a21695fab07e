"""`dump` makes a file `spreadsheets.create` loads back cell for cell; `rehearse` runs the whole cycle on a copy,
from a generated workbook or from a file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.emulator import Emulator
from tests.e2e.conftest import Cli
from tests.support.discovery import validate
from tests.support.live import Live


def _without_ids(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snapshot.items() if k not in ("spreadsheetId", "spreadsheetUrl")}


def test_a_dump_loads_back_cell_for_cell(cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[..., str],
                                         tmp_path: Path) -> None:
    sid = new_sheet(200)
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0  # column tags, registry, validation, history
    sheet_id = live.sheet_id(sid, "Metadata")
    live.batch_update(sid, [
        {"createDeveloperMetadata": {"developerMetadata": {"metadataKey": "test.sheet", "metadataValue": "s",
                                                           "location": {"sheetId": sheet_id}, "visibility": "DOCUMENT"}}},
        {"createDeveloperMetadata": {"developerMetadata": {"metadataKey": "test.row", "metadataValue": "r",
                                                           "location": {"dimensionRange": {
                                                               "sheetId": sheet_id, "dimension": "ROWS",
                                                               "startIndex": 7, "endIndex": 8}},
                                                           "visibility": "DOCUMENT"}}},
        {"updateCells": {"rows": [{"values": [{"note": "a note"}]}], "fields": "note",
                         "start": {"sheetId": sheet_id, "rowIndex": 3, "columnIndex": 2}}},
    ])
    original = live.snapshot(sid)

    out = tmp_path / "dump.json"
    dumped = cli("dump", "--output", str(out), sid=sid)
    assert dumped.code == 0, dumped.stderr
    assert dumped.result["output"] == str(out) and dumped.result["bytes_written"] == out.stat().st_size
    assert {s["title"] for s in dumped.result["sheets"]} >= {"Operaciones", "Metadata", "_zeues_migrations"}
    assert live.snapshot(sid) == original, "dump reads only"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]

    resource = json.loads(out.read_text(encoding="utf-8"))
    validate("sheets", "Spreadsheet", resource)  # only fields Google's Spreadsheet resource defines
    copy = emulator.create_spreadsheet(out)
    assert copy != sid
    assert _without_ids(live.snapshot(copy)) == _without_ids(original)


def test_rehearse_on_a_generated_workbook(cli: Cli) -> None:
    done = cli("rehearse", "--spools", "150", connect=False)
    assert done.code == 0, done.stderr
    report = done.result
    assert report["spools"] == 150 and report["copy_id"] != report["original_id"]
    (applied,) = report["applied"]
    (rolled,) = report["rolled_back"]
    assert applied["status"] == "applied" and applied["verification"]["status"] == "passed"
    assert rolled["status"] == "rolled_back" and rolled["verification"]["status"] == "passed"
    assert report["api_calls"] and report["bytes_read"] > 0


def test_rehearse_from_a_dump(cli: Cli, live: Live, new_sheet: Callable[..., str], tmp_path: Path) -> None:
    sid = new_sheet(80)
    live.update(sid, "Operaciones!A2", [["edited before the dump"]])
    out = tmp_path / "production.json"
    assert cli("dump", "--output", str(out), sid=sid).code == 0
    done = cli("rehearse", "--from", str(out), connect=False)
    assert done.code == 0, done.stderr
    assert done.result["source"] == str(out)
    assert [r["status"] for r in done.result["applied"] + done.result["rolled_back"]] == ["applied", "rolled_back"]
    as_text = cli("rehearse", "--from", str(out), connect=False, as_json=False)
    assert as_text.code == 0 and "the original was not touched" in as_text.stdout
