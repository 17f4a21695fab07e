"""gspread, unchanged, against the emulator through a session that only swaps Google's host for the
emulator's URL. Every successful JSON response is checked against the discovery schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest

from orchestrator.emulator import Emulator
from tests.emulator.wire import RewritingSession


@pytest.fixture()
def session(emulator: Emulator) -> Iterator[RewritingSession]:
    s = RewritingSession(emulator.url, emulator.owner_token())
    yield s
    assert s.validate_all() > 0


@pytest.fixture()
def client(session: RewritingSession) -> gspread.Client:
    return gspread.Client(auth=None, session=session)  # type: ignore[arg-type]


def test_common_calls(client: gspread.Client, emulator: Emulator, workbook_resource: dict[str, Any]) -> None:
    key = emulator.create_spreadsheet(workbook_resource)
    book = client.open_by_key(key)
    assert [ws.title for ws in book.worksheets()][:4] == ["Operaciones", "Metadata", "Trabajadores", "Roles"]
    ops = book.worksheet("Operaciones")
    rows = ops.get_all_values()
    header = rows[0]
    assert header[:7] == ["id", "NV", "OT", "CT", "ITEM", "SPLIT", "TAG_SPOOL"]
    assert len(rows) > 40
    roles = book.worksheet("Roles")
    records = roles.get_all_records()
    assert records[0] == {"Id": 93, "Rol": "Armador", "Activo": "TRUE"}  # one row per worker and role
    cell = ops.find("TEST-02")
    assert cell is not None and cell.col == header.index("TAG_SPOOL") + 1
    assert ops.cell(cell.row, cell.col).value == "TEST-02"
    col = header.index("Armador") + 1
    ops.update_cell(cell.row, col, "MR(93)")
    assert ops.cell(cell.row, col).value == "MR(93)"
    fecha = header.index("Fecha_Armado") + 1
    ops.update_cell(cell.row, fecha, "28-01-2026")
    assert ops.cell(cell.row, fecha).value == "28-01-2026"
    assert ops.cell(cell.row, fecha, value_render_option="UNFORMATTED_VALUE").value == 46050
    trab = book.worksheet("Trabajadores")
    trab.update([["x", "y"]], "B30")
    assert trab.get("B30:C30") == [["x", "y"]]
    meta = book.worksheet("Metadata")
    before = len(meta.get_all_values())
    meta.append_row(["uuid-1", "28-01-2026 16:56:25", "TOMAR_SPOOL", "TEST-02", 93, "MR(93)", "ARM", "TOMAR", "28-01-2026", ""],
                    value_input_option="USER_ENTERED")
    after = meta.get_all_values()
    assert len(after) == before + 1 and after[-1][2] == "TOMAR_SPOOL"
    book.batch_update({"requests": [{"updateSheetProperties": {
        "properties": {"sheetId": roles.id, "title": "Roles2"}, "fields": "title"}}]})
    assert book.worksheet("Roles2").id == roles.id
    got = book.values_get("Roles2!A1:B2")
    assert got["values"] == [["Id", "Rol"], ["93", "Armador"]]
    with pytest.raises(gspread.exceptions.APIError) as info:
        book.worksheet("Roles2").update_cell(1, 30, "beyond the grid")
    assert "exceeds grid limits" in str(info.value)


def test_open_by_title(client: gspread.Client, emulator: Emulator) -> None:
    emulator.create_spreadsheet({"properties": {"title": "Buscable por nombre"}})
    book = client.open("Buscable por nombre")
    assert book.sheet1.title == "Sheet1"
    assert book.sheet1.row_count == 1000 and book.sheet1.col_count == 26
