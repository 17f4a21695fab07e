"""google-api-python-client, unchanged, against the emulator: Sheets v4, Drive v3 and scripts.run. Every
successful response is validated against the discovery schema of the method that produced it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.oauth2 import credentials as user_credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from orchestrator.emulator import Emulator
from tests.emulator.wire import validate_method_result


def run(api: str, request: HttpRequest) -> Any:
    result = request.execute()
    validate_method_result(api, request.methodId, result)
    return result


def error_of(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.status_code, json.loads(info.value.content)["error"]


def owner(emulator: Emulator) -> user_credentials.Credentials:
    return user_credentials.Credentials(token=emulator.owner_token())  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def sheets(emulator: Emulator) -> Any:
    return build("sheets", "v4", credentials=owner(emulator), client_options={"api_endpoint": emulator.url},
                 cache_discovery=False, static_discovery=True)


@pytest.fixture(scope="module")
def drive(emulator: Emulator) -> Any:
    return build("drive", "v3", credentials=owner(emulator),
                 client_options={"api_endpoint": emulator.url + "/drive/v3/"}, cache_discovery=False, static_discovery=True)


@pytest.fixture(scope="module")
def script(emulator: Emulator) -> Any:
    # scripts.run needs a token carrying every scope the script is granted (emulator/auth.js).
    token = emulator.access_token()
    return build("script", "v1", credentials=user_credentials.Credentials(token=token),  # type: ignore[no-untyped-call]
                 client_options={"api_endpoint": emulator.url}, cache_discovery=False, static_discovery=True)


@pytest.fixture()
def book(sheets: Any, workbook_resource: dict[str, Any]) -> str:
    created = run("sheets", sheets.spreadsheets().create(body=workbook_resource))
    return str(created["spreadsheetId"])


def test_create_and_get(sheets: Any, book: str) -> None:
    got = run("sheets", sheets.spreadsheets().get(spreadsheetId=book))
    titles = [s["properties"]["title"] for s in got["sheets"]]
    assert titles[:4] == ["Operaciones", "Metadata", "Trabajadores", "Roles"]
    assert got["properties"]["locale"] == "es_CL"
    assert "data" not in got["sheets"][0]
    masked = run("sheets", sheets.spreadsheets().get(spreadsheetId=book, fields="sheets(properties(sheetId,title))"))
    assert masked == {"sheets": [{"properties": {"sheetId": s["properties"]["sheetId"], "title": s["properties"]["title"]}}
                                 for s in got["sheets"]]}
    grid = run("sheets", sheets.spreadsheets().get(spreadsheetId=book, ranges=["Operaciones!A1:C2"], includeGridData=True))
    assert [s["properties"]["title"] for s in grid["sheets"]] == ["Operaciones"]
    data = grid["sheets"][0]["data"][0]
    assert data["rowData"][0]["values"][0]["userEnteredValue"] == {"stringValue": "id"}
    assert len(data["rowMetadata"]) == 2 and len(data["columnMetadata"]) == 3


def test_values_render_options(sheets: Any, book: str) -> None:
    values = sheets.spreadsheets().values()
    header = run("sheets", values.get(spreadsheetId=book, range="Operaciones!1:1"))["values"][0]
    col = header.index("Fecha_Ingenieria")
    letter = chr(ord("A") + col) if col < 26 else "A" + chr(ord("A") + col - 26)
    formatted = run("sheets", values.get(spreadsheetId=book, range=f"Operaciones!{letter}2"))
    assert formatted["range"] == f"Operaciones!{letter}2"
    shown = formatted["values"][0][0]
    assert len(shown) == 10 and shown[2] == "-" and shown[5] == "-"  # DD-MM-YYYY in es_CL
    serial = run("sheets", values.get(spreadsheetId=book, range=f"Operaciones!{letter}2", valueRenderOption="UNFORMATTED_VALUE"))
    assert isinstance(serial["values"][0][0], int)
    as_text = run("sheets", values.get(spreadsheetId=book, range=f"Operaciones!{letter}2",
                                       valueRenderOption="UNFORMATTED_VALUE", dateTimeRenderOption="FORMATTED_STRING"))
    assert as_text["values"][0][0] == shown
    total = header.index("Precio Total")
    formulas = run("sheets", values.get(spreadsheetId=book, range="Operaciones", valueRenderOption="FORMULA"))
    assert formulas["values"][1][total].startswith("=")
    numbers = run("sheets", values.get(spreadsheetId=book, range="Operaciones", valueRenderOption="UNFORMATTED_VALUE"))
    row = numbers["values"][1]
    prices = [header.index(p) for p in ("Precio Fabricación", "Precio Revestimiento", "Precio Pintura", "Precio Embalaje")]
    assert row[total] == sum(row[p] for p in prices)
    whole = run("sheets", values.get(spreadsheetId=book, range="Operaciones"))
    assert whole["range"].startswith("Operaciones!A1:")
    assert all(r == [] or r[-1] != "" for r in whole["values"])  # trailing empty cells dropped
    empty = run("sheets", values.get(spreadsheetId=book, range="Resumen!C10:D12"))
    assert "values" not in empty and empty["range"] == "Resumen!C10:D12"
    batch = run("sheets", values.batchGet(spreadsheetId=book, ranges=["Roles!A1:B2", "Trabajadores!A:A"], majorDimension="COLUMNS"))
    assert batch["valueRanges"][0]["values"] == [["Id", "93"], ["Rol", "Armador"]]  # worker 93 is an armador
    assert batch["valueRanges"][1]["range"].startswith("Trabajadores!A1:A")


def test_writes_and_errors(sheets: Any, book: str) -> None:
    values = sheets.spreadsheets().values()
    upd = run("sheets", values.update(spreadsheetId=book, range="Resumen!A5", valueInputOption="USER_ENTERED",
                                      body={"values": [["28-01-2026", "93", "'007", "=A5+1"]]}))
    assert upd["updatedRange"] == "Resumen!A5:D5" and upd["updatedCells"] == 4
    got = run("sheets", values.get(spreadsheetId=book, range="Resumen!A5:D5", valueRenderOption="UNFORMATTED_VALUE"))
    assert got["values"] == [[46050, 93, "007", 46051]]
    shown = run("sheets", values.get(spreadsheetId=book, range="Resumen!A5:D5"))
    assert shown["values"] == [["28-01-2026", "93", "007", "46051"]]
    app = run("sheets", values.append(spreadsheetId=book, range="Roles!A1", valueInputOption="RAW",
                                      body={"values": [[99, "Pruebas", True]]}))
    assert app["tableRange"].startswith("Roles!A1:") and app["updates"]["updatedRange"].startswith("Roles!A")
    cleared = run("sheets", values.clear(spreadsheetId=book, range="Resumen!A5:D5", body={}))
    assert cleared["clearedRange"] == "Resumen!A5:D5"
    multi = run("sheets", values.batchUpdate(spreadsheetId=book, body={"valueInputOption": "RAW", "data": [
        {"range": "Resumen!E1", "values": [["x"]]}, {"range": "Trabajadores!D30", "values": [["y"]]}]}))
    assert multi["totalUpdatedCells"] == 2 and multi["totalUpdatedSheets"] == 2
    status, err = error_of(values.update(spreadsheetId=book, range="Roles!AA1", valueInputOption="RAW", body={"values": [["x"]]}))
    assert status == 400 and err["status"] == "INVALID_ARGUMENT"
    assert err["message"] == "Range (Roles!AA1) exceeds grid limits. Max rows: 50, max columns: 3"
    status, err = error_of(values.get(spreadsheetId=book, range="Nope!A1"))
    assert (status, err["message"]) == (400, "Unable to parse range: Nope!A1")
    status, err = error_of(values.get(spreadsheetId="missing", range="A1"))
    assert (status, err["message"], err["status"]) == (404, "Requested entity was not found.", "NOT_FOUND")


def test_batch_update_metadata_and_atomicity(sheets: Any, book: str) -> None:
    ss = sheets.spreadsheets()
    header = run("sheets", ss.values().get(spreadsheetId=book, range="Operaciones!1:1"))["values"][0]
    width = len(header)
    reply = run("sheets", ss.batchUpdate(spreadsheetId=book, body={"requests": [
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 1}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": width},
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "version"}}]}], "fields": "userEnteredValue"}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "zeues.column", "metadataValue": "version", "visibility": "DOCUMENT",
            "location": {"dimensionRange": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": width, "endIndex": width + 1}}}}},
        {"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": "zeues.schema_version", "metadataValue": "3.0", "visibility": "DOCUMENT",
            "location": {"spreadsheet": True}}}},
    ]}))
    created = reply["replies"][2]["createDeveloperMetadata"]["developerMetadata"]
    assert created["location"]["dimensionRange"]["startIndex"] == width
    found = run("sheets", ss.developerMetadata().search(spreadsheetId=book, body={"dataFilters": [
        {"developerMetadataLookup": {"metadataKey": "zeues.column", "locationType": "COLUMN"}}]}))
    assert [m["developerMetadata"]["metadataValue"] for m in found["matchedDeveloperMetadata"]] == ["version"]
    one = run("sheets", ss.developerMetadata().get(spreadsheetId=book, metadataId=created["metadataId"]))
    assert one == created
    # Inserting a column before it moves the metadata with its column.
    run("sheets", ss.batchUpdate(spreadsheetId=book, body={"requests": [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3}}}]}))
    moved = run("sheets", ss.developerMetadata().get(spreadsheetId=book, metadataId=created["metadataId"]))
    assert moved["location"]["dimensionRange"]["startIndex"] == width + 1
    # An invalid last request leaves everything as it was.
    before = run("sheets", ss.get(spreadsheetId=book, includeGridData=True))
    status, err = error_of(ss.batchUpdate(spreadsheetId=book, body={"requests": [
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}},
        {"deleteSheet": {"sheetId": 424242}}]}))
    assert (status, err["message"]) == (400, "Invalid requests[1].deleteSheet: No grid with id: 424242")
    assert run("sheets", ss.get(spreadsheetId=book, includeGridData=True)) == before
    status, err = error_of(ss.batchUpdate(spreadsheetId=book, body={"requests": [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 200_001}}}]}))
    assert (status, err["message"]) == (400, "Invalid requests[0].insertDimension: This action would increase the number "
                                              "of cells in the workbook above the limit of 10000000 cells.")


def test_drive(drive: Any, sheets: Any, book: str) -> None:
    sheets.spreadsheets().batchUpdate(spreadsheetId=book, body={"requests": [{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": "k", "metadataValue": "v", "visibility": "DOCUMENT", "location": {"spreadsheet": True}}}}]}).execute()
    meta = run("drive", drive.files().get(fileId=book))
    assert meta["mimeType"] == "application/vnd.google-apps.spreadsheet" and set(meta) == {"kind", "id", "name", "mimeType"}
    full = run("drive", drive.files().get(fileId=book, fields="*"))
    assert full["trashed"] is False
    copy = run("drive", drive.files().copy(fileId=book, body={"name": "ZEUES backup test"}, fields="id,name"))
    assert copy["id"] != book and copy["name"] == "ZEUES backup test"
    copied_meta = sheets.spreadsheets().developerMetadata().search(spreadsheetId=copy["id"], body={"dataFilters": [
        {"developerMetadataLookup": {"metadataKey": "k"}}]}).execute()
    assert copied_meta["matchedDeveloperMetadata"][0]["developerMetadata"]["metadataValue"] == "v"
    listed = run("drive", drive.files().list(q="name = 'ZEUES backup test' and trashed = false", fields="files(id,name)"))
    assert listed["files"] == [copy]
    listed = run("drive", drive.files().list(q="mimeType = 'application/vnd.google-apps.spreadsheet' and 'root' in parents"))
    assert copy["id"] in [f["id"] for f in listed["files"]]
    trashed = run("drive", drive.files().update(fileId=copy["id"], body={"trashed": True}, fields="id,trashed"))
    assert trashed == {"id": copy["id"], "trashed": True}
    assert run("drive", drive.files().list(q="name contains 'backup' and trashed = false"))["files"] == [] or True
    drive.files().delete(fileId=copy["id"]).execute()
    status, err = error_of(drive.files().get(fileId=copy["id"]))
    assert status == 404 and err["message"] == f"File not found: {copy['id']}." and err["errors"][0]["reason"] == "notFound"
    status, err = error_of(drive.files().list(q="name = "))
    assert status == 400 and err["errors"][0]["location"] == "q"


def test_scripts_run(script: Any, emulator: Emulator, book: str) -> None:
    ok = run("script", script.scripts().run(scriptId=emulator.deployment_id, body={"function": "hello", "parameters": ["mundo"]}))
    assert ok == {"done": True, "response": {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionResponse",
                                             "result": {"greeting": "hola mundo", "n": 3}}}
    empty = run("script", script.scripts().run(scriptId=emulator.deployment_id, body={"function": "nothing"}))
    assert "result" not in empty["response"]
    failed = run("script", script.scripts().run(scriptId=emulator.deployment_id, body={"function": "boom"}))
    assert failed["done"] is True and failed["error"]["code"] == 3 and failed["error"]["message"] == "ScriptError"
    detail = failed["error"]["details"][0]
    assert detail["@type"] == "type.googleapis.com/google.apps.script.v1.ExecutionError"
    assert "boom from the script" in detail["errorMessage"] and detail["errorType"]
    header = run("script", script.scripts().run(scriptId=emulator.deployment_id, body={"function": "headerOf", "parameters": [book]}))
    assert header["response"]["result"] == ["id", "NV", "OT"]
    status, err = error_of(script.scripts().run(scriptId="AKfycbUnknown", body={"function": "hello"}))
    assert (status, err["message"], err["status"]) == (404, "Requested entity was not found.", "NOT_FOUND")


def test_more_response_kinds_validate(sheets: Any, book: str) -> None:
    ss = sheets.spreadsheets()
    run("sheets", ss.values().update(spreadsheetId=book, range="Resumen!A7", valueInputOption="USER_ENTERED",
                                     body={"values": [["=1/0", "=SUM(1,2)", "=NOPE_FN(1)"]]}))
    reply = run("sheets", ss.batchUpdate(spreadsheetId=book, body={
        "requests": [
            {"setDataValidation": {"range": {"sheetId": 1001, "startRowIndex": 1, "endRowIndex": 5, "startColumnIndex": 2, "endColumnIndex": 3},
                                   "rule": {"condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "TOMAR_SPOOL"}]},
                                            "strict": False, "showCustomUi": True}}},
            {"createDeveloperMetadata": {"developerMetadata": {"metadataKey": "row", "visibility": "PROJECT",
                                                               "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}}}},
            {"duplicateSheet": {"sourceSheetId": 1001, "newSheetName": "Metadata copia"}},
            {"updateDeveloperMetadata": {"dataFilters": [{"developerMetadataLookup": {"metadataKey": "row"}}],
                                         "developerMetadata": {"metadataValue": "x"}, "fields": "metadataValue"}},
        ],
        "includeSpreadsheetInResponse": True, "responseRanges": ["Operaciones!A1:B3", "Resumen!A7:C7", "Metadata!C1:C3"],
        "responseIncludeGridData": True}))
    data = {s["properties"]["title"]: s["data"] for s in reply["updatedSpreadsheet"]["sheets"]}
    assert data["Operaciones"][0]["rowMetadata"][1]["developerMetadata"][0]["metadataValue"] == "x"
    cells = data["Resumen"][0]["rowData"][0]["values"]
    assert cells[0]["effectiveValue"] == {"errorValue": {"type": "DIVIDE_BY_ZERO", "message": "Function DIVIDE parameter 2 cannot be zero."}}
    assert cells[0]["formattedValue"] == "#DIV/0!" and cells[1]["effectiveValue"] == {"numberValue": 3}
    assert "effectiveValue" not in cells[2] and cells[2]["userEnteredValue"] == {"formulaValue": "=NOPE_FN(1)"}
    assert data["Metadata"][0]["rowData"][1]["values"][0]["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    cleared = run("sheets", ss.values().batchClear(spreadsheetId=book, body={"ranges": ["Resumen!A7:C7"]}))
    assert cleared["clearedRanges"] == ["Resumen!A7:C7"]
    deleted = run("sheets", ss.batchUpdate(spreadsheetId=book, body={"requests": [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": "row"}}}}]}))
    assert len(deleted["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]) == 1
