"""The emulator's fidelity checks, written once: each is a plain function of a `Target` that asserts one Google
behaviour over raw HTTP, so the same code runs against the emulator (pytest, `tasks.py conformance`) and against
Google (`tasks.py conformance --live`). Each docstring says what Google does and where that is documented or
publicly reported (`Source:` lines, carried into the report).

A check sets up what it needs in a sheet of its own inside the scratch spreadsheet (`scratch_sheet`: a unique
title, deleted afterwards, with everything in it) and touches nothing else. It raises `CheckFailed` with the
difference, or `CheckSkipped` when the target lacks what it needs (a deployment id).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from orchestrator.conformance.target import Reply, Target
from orchestrator.domain.columns import quote_sheet

CheckFunction = Callable[[Target], None]


class CheckFailed(AssertionError):
    """The target behaved differently from Google's documented behaviour; the message is the difference."""


class CheckSkipped(Exception):
    """The check cannot run on this target (the message says why)."""


@dataclass(frozen=True)
class Check:
    name: str
    run: CheckFunction
    needs_deployment: bool

    @property
    def doc(self) -> str:
        return (self.run.__doc__ or "").strip()

    @property
    def summary(self) -> str:
        return " ".join(self.doc.split("\n\n", 1)[0].split())

    @property
    def sources(self) -> list[str]:
        lines = [line.strip() for line in self.doc.splitlines()]
        return [line.removeprefix("Source:").strip() for line in lines if line.startswith("Source:")]


CHECKS: list[Check] = []
_NAME = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")


def check(name: str, *, needs_deployment: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under a stable name (`area.behaviour`): reports and CI refer to it by that name."""

    def register(function: CheckFunction) -> CheckFunction:
        assert _NAME.match(name), name
        assert all(c.name != name for c in CHECKS), f"duplicate check name {name}"
        assert "Source:" in (function.__doc__ or ""), f"{name}: the docstring must cite a Source:"
        CHECKS.append(Check(name, function, needs_deployment))
        return function

    return register


# -- helpers ------------------------------------------------------------------------------------------------

def expect(condition: bool, difference: str) -> None:
    if not condition:
        raise CheckFailed(difference)


def ok(reply: Reply, what: str) -> dict[str, Any]:
    """The JSON body of a 2xx reply; anything else fails the check."""
    expect(200 <= reply.status < 300, f"{what}: expected success, got {reply.summary()}")
    return reply.body if isinstance(reply.body, dict) else {}


def expect_refused(reply: Reply, what: str, *, status: int = 400, text: str | None = None) -> None:
    expect(reply.status == status, f"{what}: expected HTTP {status}" + (f" with {text!r}" if text else "")
           + f", got {reply.summary()}")
    if text is not None:
        expect(text in reply.message, f"{what}: expected the message to contain {text!r}, got {reply.summary()}")


@dataclass(frozen=True)
class Sheet:
    title: str
    sheet_id: int

    def a1(self, cells: str) -> str:
        return quote_sheet(self.title) + "!" + cells


@contextmanager
def scratch_sheet(t: Target, label: str, rows: int = 10, columns: int = 5) -> Iterator[Sheet]:
    """A new sheet of `rows` x `columns` with a unique title, deleted (with its metadata) afterwards."""
    title = f"conformance {label} {secrets.token_hex(4)}"
    body = ok(t.batch_update([{"addSheet": {"properties": {
        "title": title, "gridProperties": {"rowCount": rows, "columnCount": columns}}}}]), "addSheet (setup)")
    sheet = Sheet(title, int(body["replies"][0]["addSheet"]["properties"]["sheetId"]))
    try:
        yield sheet
    finally:
        reply = t.batch_update([{"deleteSheet": {"sheetId": sheet.sheet_id}}])
        if reply.status != 200:
            t.cleanup_problems.append(f"could not delete the scratch sheet {title!r}: {reply.summary()}")


def grid_of(t: Target, sheet: Sheet) -> tuple[int, int]:
    """(rowCount, columnCount) of a sheet, from spreadsheets.get."""
    body = ok(t.get({"fields": "sheets.properties"}), "spreadsheets.get sheets.properties")
    for s in body.get("sheets", []):
        props = s.get("properties", {})
        if int(props.get("sheetId", 0)) == sheet.sheet_id:
            grid = props.get("gridProperties", {})
            return int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))
    raise CheckFailed(f"sheet {sheet.title!r} is not in spreadsheets.get")


def values_of(t: Target, a1: str, **params: Any) -> Any:
    """The `values` of a read, or the string `<omitted>` when the reply has no `values` field."""
    body = ok(t.values_get(a1, **params), f"values.get {a1}")
    return body.get("values", "<omitted>")


def cells_part(a1: str) -> str:
    """`A1:E10` of `'My sheet'!A1:E10` (however the sheet name is quoted)."""
    return a1.rsplit("!", 1)[-1]


def cell_update(sheet: Sheet, row: int, column: int, cell: dict[str, Any], fields: str) -> dict[str, Any]:
    return {"updateCells": {"start": {"sheetId": sheet.sheet_id, "rowIndex": row, "columnIndex": column},
                            "rows": [{"values": [cell]}], "fields": fields}}


def columns(sheet: Sheet, start: int, end: int) -> dict[str, Any]:
    return {"sheetId": sheet.sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}


def tag_column(t: Target, sheet: Sheet, column: int, key: str, value: str, visibility: str = "DOCUMENT") -> int:
    """Developer metadata on one whole column; returns its metadataId."""
    body = ok(t.batch_update([{"createDeveloperMetadata": {"developerMetadata": {
        "metadataKey": key, "metadataValue": value, "visibility": visibility,
        "location": {"dimensionRange": columns(sheet, column, column + 1)}}}}]), "createDeveloperMetadata (setup)")
    return int(body["replies"][0]["createDeveloperMetadata"]["developerMetadata"]["metadataId"])


def column_of_metadata(t: Target, metadata_id: int) -> tuple[int, int]:
    """(startIndex, endIndex) of a column-located metadata, from developerMetadata.get (proto3 JSON leaves 0 out)."""
    body = ok(t.metadata_get(metadata_id), f"developerMetadata.get {metadata_id}")
    where = body.get("location", {}).get("dimensionRange")
    expect(isinstance(where, dict), f"metadata {metadata_id} is no longer on a column: location {body.get('location')}")
    return int(where.get("startIndex", 0)), int(where.get("endIndex", 0))


def unique_key() -> str:
    return f"zeues.conformance.{secrets.token_hex(4)}"


def serial(day: date) -> int:
    """Google's date serial number: days since 1899-12-30."""
    return (day - date(1899, 12, 30)).days


# -- reading past the grid ------------------------------------------------------------------------------------

@check("values.read_starting_past_grid_is_refused")
def read_starting_past_grid(t: Target) -> None:
    """A values read whose range starts outside the grid (past the last row, or past the last column) is a 400
    "Range (...) exceeds grid limits. Max rows: R, max columns: C".

    Source: https://github.com/googleapis/sloth/issues/1096 (a read of all_apis!A2320:Z12320 on a 2,319-row sheet)
    Source: https://github.com/cloudfour/lighthouse-parade/issues/151 ('Lighthouse Results'!A1001 on 1,000 rows)
    """
    with scratch_sheet(t, "read past") as sheet:
        for cells in ("A11:B12", "F1:G2"):
            reply = t.values_get(sheet.a1(cells))
            expect_refused(reply, f"values.get {cells} on a 10x5 grid", text="exceeds grid limits")
            expect("Max rows: 10, max columns: 5" in reply.message,
                   f"values.get {cells}: the message does not give the grid (Max rows: 10, max columns: 5): "
                   f"{reply.summary()}")


@check("values.read_ending_past_grid_is_clipped")
def read_ending_past_grid(t: Target) -> None:
    """A values read that starts inside the grid and ends past it succeeds: the data inside is returned and the
    echoed `range` is the requested range clipped to the grid (A1:Z1000 on a 10x5 grid echoes A1:E10).

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange
    Source: https://github.com/googleapis/sloth/issues/1096 (only the read whose start passed the grid failed)
    """
    with scratch_sheet(t, "read clipped") as sheet:
        ok(t.values_update(sheet.a1("E10"), [["corner"]]), "values.update E10")
        body = ok(t.values_get(sheet.a1("A1:Z1000")), "values.get A1:Z1000 on a 10x5 grid")
        values = body.get("values")
        expect(isinstance(values, list) and len(values) == 10 and values[9] == ["", "", "", "", "corner"],
               f"values.get A1:Z1000: expected 10 rows ending with the corner cell E10, got {values!r}")
        echoed = str(body.get("range", ""))
        expect(cells_part(echoed) == "A1:E10", f"values.get A1:Z1000 on a 10x5 grid echoed range {echoed!r}, "
               "expected it clipped to A1:E10")


@check("spreadsheets.get_range_starting_past_grid_is_refused")
def get_range_starting_past_grid(t: Target) -> None:
    """spreadsheets.get with a `ranges` entry that starts outside the grid is a 400 "exceeds grid limits", as a
    values read is.

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets/get
    Source: https://github.com/nithinmurali/pygsheets/issues/416 ("Range ('tab01'!TAB1) exceeds grid limits")
    """
    with scratch_sheet(t, "get past") as sheet:
        inside = t.get({"ranges": sheet.a1("A1:B2"), "includeGridData": "true", "fields": "sheets.properties.title"})
        ok(inside, "spreadsheets.get ranges=A1:B2 (inside the grid)")
        for cells in ("A11:B12", "F1:G2"):
            reply = t.get({"ranges": sheet.a1(cells), "includeGridData": "true",
                           "fields": "sheets.properties.title"})
            expect_refused(reply, f"spreadsheets.get ranges={cells} on a 10x5 grid", text="exceeds grid limits")


# -- what a read returns --------------------------------------------------------------------------------------

@check("values.trailing_empty_cells_are_dropped")
def trailing_empty_cells(t: Target) -> None:
    """A values read leaves out the empty cells at the end of each row and the empty rows at the end; an empty
    row between data rows is `[]`. ValueRange.values: "For output, empty trailing rows and columns will not be
    included."

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange
    """
    with scratch_sheet(t, "trailing") as sheet:
        ok(t.values_update(sheet.a1("A1:C5"), [["a", "", ""], ["", "", ""], ["c", "d", ""], ["", "", ""],
                                              ["", "", ""]]), "values.update A1:C5")
        got = values_of(t, sheet.a1("A1:E10"))
        expect(got == [["a"], [], ["c", "d"]], f"values.get A1:E10: expected [['a'], [], ['c', 'd']], got {got!r}")


@check("values.empty_range_omits_values")
def empty_range(t: Target) -> None:
    """A values read of a range with no data has no `values` field at all (not `[]`); `range` is still echoed.

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.values#ValueRange
    Source: https://protobuf.dev/programming-guides/json/ (empty repeated fields are left out of the JSON)
    """
    with scratch_sheet(t, "empty") as sheet:
        ok(t.values_update(sheet.a1("A1"), [["data"]]), "values.update A1")
        body = ok(t.values_get(sheet.a1("C3:D4")), "values.get C3:D4 (empty)")
        expect("values" not in body, f"values.get of an empty range: expected no `values` field, got {body!r}")
        expect(cells_part(str(body.get("range", ""))) == "C3:D4", f"values.get C3:D4 echoed {body.get('range')!r}")


@check("values.date_cell_render_options")
def date_render_options(t: Target) -> None:
    """A date-time cell reads as its display string with FORMATTED_VALUE, as a serial number (days since
    1899-12-30, the time as the fraction) with UNFORMATTED_VALUE and FORMULA, and as the formatted string with
    dateTimeRenderOption=FORMATTED_STRING; FORMULA returns a formula's text. USER_ENTERED "2025-11-08" is a date.

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/ValueRenderOption
    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/DateTimeRenderOption
    """
    day = serial(date(2025, 11, 8))
    with scratch_sheet(t, "dates") as sheet:
        fmt = {"numberFormat": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}}
        ok(t.batch_update([
            cell_update(sheet, 0, 0, {"userEnteredValue": {"numberValue": day + 0.5}, "userEnteredFormat": fmt},
                        "userEnteredValue,userEnteredFormat.numberFormat"),
            cell_update(sheet, 0, 1, {"userEnteredValue": {"formulaValue": "=A1+1"}}, "userEnteredValue"),
        ]), "updateCells A1 (a date-time) and B1 (=A1+1)")
        ok(t.values_update(sheet.a1("C1"), [["2025-11-08"]], "USER_ENTERED"), "values.update C1 USER_ENTERED")
        a1b1c1 = sheet.a1("A1:C1")
        cases: list[tuple[dict[str, str], Any]] = [
            ({"valueRenderOption": "UNFORMATTED_VALUE"}, [[day + 0.5, day + 1.5, day]]),
            ({"valueRenderOption": "FORMULA"}, [[day + 0.5, "=A1+1", day]]),
        ]
        for params, expected in cases:
            got = values_of(t, a1b1c1, **params)
            expect(got == expected, f"values.get A1:C1 {params}: expected {expected!r}, got {got!r}")
        shown = values_of(t, sheet.a1("A1"))
        expect(shown == [["2025-11-08 12:00"]], f"values.get A1 FORMATTED_VALUE: expected [['2025-11-08 12:00']], "
               f"got {shown!r}")
        as_string = values_of(t, sheet.a1("A1"), valueRenderOption="UNFORMATTED_VALUE",
                              dateTimeRenderOption="FORMATTED_STRING")
        expect(as_string == [["2025-11-08 12:00"]], "values.get A1 UNFORMATTED_VALUE + FORMATTED_STRING: expected "
               f"[['2025-11-08 12:00']], got {as_string!r}")


# -- writing ------------------------------------------------------------------------------------------------

@check("values.write_outside_grid_is_refused")
def write_outside_grid(t: Target) -> None:
    """A values write to cells outside the grid is a 400 "exceeds grid limits" (the grid does not grow); nothing
    is written.

    Source: https://github.com/home-assistant/core/issues/104198 ("Range (Solar!Y1) exceeds grid limits. ...")
    Source: https://github.com/nithinmurali/pygsheets/issues/124 (a write larger than the grid)
    """
    with scratch_sheet(t, "write past") as sheet:
        for cells in ("A11", "F1"):
            expect_refused(t.values_update(sheet.a1(cells), [["x"]]), f"values.update {cells} on a 10x5 grid",
                           text="exceeds grid limits")
        expect(grid_of(t, sheet) == (10, 5), f"the grid changed after refused writes: {grid_of(t, sheet)}")


@check("values.cell_over_50000_characters_is_refused")
def cell_over_limit(t: Target) -> None:
    """Writing a cell of 50,001 characters is a 400 "Your input contains more than the maximum of 50000 characters
    in a single cell."

    Source: https://github.com/freelabz/secator/issues/96 (400 INVALID_ARGUMENT with this text)
    Source: https://github.com/airbytehq/airbyte/pull/54157 (review: the per-cell limit is 50k characters)
    Source: https://support.google.com/drive/answer/37603
    """
    with scratch_sheet(t, "50001") as sheet:
        expect_refused(t.values_update(sheet.a1("A1"), [["x" * 50_001]]), "values.update of 50,001 characters",
                       text="Your input contains more than the maximum of 50000 characters in a single cell.")
        got = values_of(t, sheet.a1("A1"))
        expect(got == "<omitted>", f"the refused 50,001-character write left {str(got)[:80]!r} in A1")


@check("values.cell_of_50000_characters_is_accepted")
def cell_at_limit(t: Target) -> None:
    """A cell of exactly 50,000 characters is accepted and read back whole.

    Source: https://github.com/freelabz/secator/issues/96 ("more than the maximum of 50000")
    Source: https://support.google.com/drive/answer/37603
    """
    with scratch_sheet(t, "50000") as sheet:
        ok(t.values_update(sheet.a1("A1"), [["y" * 50_000]]), "values.update of exactly 50,000 characters")
        got = values_of(t, sheet.a1("A1"))
        length = len(got[0][0]) if isinstance(got, list) and got and got[0] else 0
        expect(length == 50_000, f"read back {length} characters, expected 50,000")


@check("batch_update.is_all_or_nothing")
def batch_all_or_nothing(t: Target) -> None:
    """A spreadsheets.batchUpdate whose later request is invalid fails as a whole (400 naming `requests[i]`) and
    changes nothing: not the cells an earlier request wrote, not the grid an earlier request grew. The reference:
    "If any request is not valid then the entire request will fail and nothing will be applied."

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets/batchUpdate
    Source: https://developers.google.com/workspace/sheets/api/limits ("All Sheets requests are applied atomically")
    """
    with scratch_sheet(t, "atomic") as sheet:
        ok(t.values_update(sheet.a1("A1"), [["original"]]), "values.update A1")
        reply = t.batch_update([
            cell_update(sheet, 0, 0, {"userEnteredValue": {"stringValue": "changed"}}, "userEnteredValue"),
            {"appendDimension": {"sheetId": sheet.sheet_id, "dimension": "COLUMNS", "length": 3}},
            {"addSheet": {"properties": {"title": sheet.title}}},  # invalid: that name exists
        ])
        expect_refused(reply, "batchUpdate [updateCells, appendDimension, addSheet of an existing name]",
                       text="already exists")
        expect(reply.message.startswith("Invalid requests[2]"), f"the error should name requests[2]: {reply.summary()}")
        got = values_of(t, sheet.a1("A1"))
        expect(got == [["original"]], f"A1 after the failed batch: expected [['original']], got {got!r}")
        expect(grid_of(t, sheet) == (10, 5), f"the grid after the failed batch: {grid_of(t, sheet)}, expected (10, 5)")


# -- developer metadata ---------------------------------------------------------------------------------------

@check("developer_metadata.column_metadata_moves_with_insert_before")
def metadata_moves_with_insert(t: Target) -> None:
    """Developer metadata on a column follows the column when columns are inserted before it: it "will remain
    associated at those locations as they move around" (the DeveloperMetadata reference).

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.developerMetadata
    Source: https://developers.google.com/workspace/sheets/api/guides/metadata
    """
    with scratch_sheet(t, "md insert") as sheet:
        ok(t.values_update(sheet.a1("C1"), [["tagged"]]), "values.update C1")
        metadata_id = tag_column(t, sheet, 2, unique_key(), "C")
        ok(t.batch_update([{"insertDimension": {"range": columns(sheet, 0, 2), "inheritFromBefore": False}}]),
           "insertDimension of 2 columns at A")
        where = column_of_metadata(t, metadata_id)
        expect(where == (4, 5), f"metadata of column C after inserting 2 columns before it: at {where}, "
               "expected (4, 5)")
        got = values_of(t, sheet.a1("E1"))
        expect(got == [["tagged"]], f"the tagged column's cell: E1 is {got!r}, expected [['tagged']]")


@check("developer_metadata.column_metadata_moves_with_move_dimension")
def metadata_moves_with_move(t: Target) -> None:
    """Developer metadata on a column follows the column when moveDimension moves it (here from D to A), with the
    column's cells: it "will remain associated at those locations as they move around".

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.developerMetadata
    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets/request
    """
    with scratch_sheet(t, "md move") as sheet:
        ok(t.values_update(sheet.a1("A1:D1"), [["a", "b", "c", "tagged"]]), "values.update A1:D1")
        metadata_id = tag_column(t, sheet, 3, unique_key(), "D")
        ok(t.batch_update([{"moveDimension": {"source": columns(sheet, 3, 4), "destinationIndex": 0}}]),
           "moveDimension of column D to A")
        got = values_of(t, sheet.a1("A1:D1"))
        expect(got == [["tagged", "a", "b", "c"]], f"row 1 after moving D to A: {got!r}, expected "
               "[['tagged', 'a', 'b', 'c']]")
        where = column_of_metadata(t, metadata_id)
        expect(where == (0, 1), f"metadata of the moved column: at {where}, expected (0, 1)")


@check("developer_metadata.column_metadata_is_deleted_with_its_column")
def metadata_dies_with_column(t: Target) -> None:
    """Deleting a column deletes the developer metadata on it: developerMetadata.get is a 404 and a search by its
    key finds nothing. The DeveloperMetadata reference: "If the associated object is deleted its metadata is
    deleted too."

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.developerMetadata
    """
    with scratch_sheet(t, "md delete") as sheet:
        key = unique_key()
        metadata_id = tag_column(t, sheet, 2, key, "C")
        ok(t.batch_update([{"deleteDimension": {"range": columns(sheet, 2, 3)}}]), "deleteDimension of column C")
        reply = t.metadata_get(metadata_id)
        expect(reply.status == 404, f"developerMetadata.get of the deleted column's metadata: expected HTTP 404, got "
               f"{reply.summary()}")
        found = ok(t.metadata_search([{"developerMetadataLookup": {"metadataKey": key}}]), "developerMetadata.search")
        expect(not found.get("matchedDeveloperMetadata"), f"search by key still finds {found!r}")


@check("developer_metadata.search_by_key_finds_document_metadata")
def metadata_search_by_key(t: Target) -> None:
    """developerMetadata.search with a developerMetadataLookup by key finds every DOCUMENT-visible entry with that
    key (here one on the sheet, one on a column), and with visibility=DOCUMENT leaves out PROJECT-visible ones.

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.developerMetadata/search
    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets.developerMetadata
    """
    with scratch_sheet(t, "md search") as sheet:
        key = unique_key()
        body = ok(t.batch_update([{"createDeveloperMetadata": {"developerMetadata": {
            "metadataKey": key, "metadataValue": "sheet", "visibility": "DOCUMENT",
            "location": {"sheetId": sheet.sheet_id}}}}]), "createDeveloperMetadata on the sheet")
        on_sheet = int(body["replies"][0]["createDeveloperMetadata"]["developerMetadata"]["metadataId"])
        on_column = tag_column(t, sheet, 1, key, "column B")
        tag_column(t, sheet, 2, key, "project", visibility="PROJECT")
        found = ok(t.metadata_search([{"developerMetadataLookup": {"metadataKey": key, "visibility": "DOCUMENT"}}]),
                   "developerMetadata.search by key, visibility DOCUMENT")
        matched = {int(m["developerMetadata"]["metadataId"]): m["developerMetadata"]
                   for m in found.get("matchedDeveloperMetadata", [])}
        expect(set(matched) == {on_sheet, on_column}, f"search by key (DOCUMENT) found metadata ids {sorted(matched)}, "
               f"expected {sorted({on_sheet, on_column})} (the sheet's and column B's, not the PROJECT one)")
        expect(all(m.get("visibility") == "DOCUMENT" and m.get("metadataKey") == key for m in matched.values()),
               f"matched entries: {list(matched.values())!r}")
        expect(matched[on_sheet].get("metadataValue") == "sheet"
               and matched[on_column].get("metadataValue") == "column B", f"values: {list(matched.values())!r}")


# -- the grid ------------------------------------------------------------------------------------------------

@check("grid.inserting_columns_grows_the_grid")
def inserting_grows_grid(t: Target) -> None:
    """insertDimension and appendDimension of columns grow the grid's columnCount, and a write to a new column
    (outside the old grid) then succeeds.

    Source: https://developers.google.com/workspace/sheets/api/reference/rest/v4/spreadsheets/request
    Source: https://github.com/burnash/gspread/issues/371 ("they need to insert additional columns")
    """
    with scratch_sheet(t, "grow") as sheet:
        ok(t.batch_update([{"insertDimension": {"range": columns(sheet, 2, 4), "inheritFromBefore": False}}]),
           "insertDimension of 2 columns at C")
        expect(grid_of(t, sheet) == (10, 7), f"grid after inserting 2 columns into 10x5: {grid_of(t, sheet)}")
        ok(t.batch_update([{"appendDimension": {"sheetId": sheet.sheet_id, "dimension": "COLUMNS", "length": 2}}]),
           "appendDimension of 2 columns")
        expect(grid_of(t, sheet) == (10, 9), f"grid after appending 2 more columns: {grid_of(t, sheet)}")
        ok(t.values_update(sheet.a1("I10"), [["new corner"]]), "values.update I10 (a new column)")
        got = values_of(t, sheet.a1("I10"))
        expect(got == [["new corner"]], f"I10 read back as {got!r}")


# -- the Apps Script API ---------------------------------------------------------------------------------------

FAKE_DEPLOYMENT_ID = "AKfycbConformanceNoSuchDeployment0000000000000000000000000000000000"


@check("script.run_with_unknown_deployment_is_not_found")
def run_unknown_deployment(t: Target) -> None:
    """scripts.run with a deployment id that does not exist is a 404 NOT_FOUND "Requested entity was not found."

    Source: https://github.com/google/clasp/issues/1169 (POST /v1/scripts/<id>:run -> 404 "Requested entity ...")
    Source: https://github.com/googleworkspace/java-samples/issues/36
    """
    reply = t.script_run(FAKE_DEPLOYMENT_ID + secrets.token_hex(2), "bridgeInfo")
    expect_refused(reply, "scripts.run of an unknown deployment", status=404, text="Requested entity was not found.")
    expect(reply.error.get("status") == "NOT_FOUND", f"expected status NOT_FOUND, got {reply.summary()}")


def _deployment(t: Target) -> str:
    if not t.deployment_id:
        raise CheckSkipped("needs --deployment-id (the bridge's API-executable deployment, AKfycb...)")
    return t.deployment_id


@check("script.run_returns_execution_response", needs_deployment=True)
def run_success(t: Target) -> None:
    """A successful scripts.run is HTTP 200 with an Operation `{done: true, response: {"@type":
    ".../google.apps.script.v1.ExecutionResponse", result}}` (the bridge's read-only `bridgeInfo`).

    Source: https://developers.google.com/apps-script/api/reference/rest/v1/scripts/run
    """
    reply = t.script_run(_deployment(t), "bridgeInfo")
    body = ok(reply, "scripts.run bridgeInfo")
    response = body.get("response", {})
    expect(body.get("done") is True and "error" not in body, f"expected done and no error, got {reply.text[:300]}")
    expect(str(response.get("@type", "")).endswith("google.apps.script.v1.ExecutionResponse"),
           f"response @type: {response.get('@type')!r}")
    result = response.get("result")
    expect(isinstance(result, dict) and "version" in result, f"bridgeInfo result: {result!r}")


@check("script.run_error_is_http_200_with_execution_error", needs_deployment=True)
def run_error_envelope(t: Target) -> None:
    """A script that throws answers HTTP 200 (not 4xx/5xx): the Operation has `error` {code: 3, message:
    "ScriptError", details: [ExecutionError {errorMessage, errorType, scriptStackTraceElements}]} and no response.
    Runs the bridge's read-only `describeSchema` without its request, which throws before touching anything.

    Source: https://developers.google.com/apps-script/api/reference/rest/v1/ExecutionError
    Source: https://developers.google.com/apps-script/api/how-tos/execute
    """
    reply = t.script_run(_deployment(t), "describeSchema")
    body = ok(reply, "scripts.run describeSchema() that throws")
    error = body.get("error")
    expect(isinstance(error, dict) and "response" not in body, f"expected an error and no response, got "
           f"{reply.text[:300]}")
    assert isinstance(error, dict)
    expect(error.get("code") == 3 and error.get("message") == "ScriptError",
           f"error code/message: {error.get('code')!r} {error.get('message')!r}, expected 3 'ScriptError'")
    details = error.get("details")
    expect(isinstance(details, list) and len(details) == 1, f"error.details: {details!r}")
    assert isinstance(details, list)
    detail = details[0]
    expect(str(detail.get("@type", "")).endswith("google.apps.script.v1.ExecutionError"),
           f"details[0] @type: {detail.get('@type')!r}")
    expect(isinstance(detail.get("errorMessage"), str) and bool(detail["errorMessage"]), f"errorMessage: {detail!r}")
    expect(detail.get("errorType") == "ScriptError", f"errorType: {detail.get('errorType')!r}, expected ScriptError")
    stack = detail.get("scriptStackTraceElements")
    expect(isinstance(stack, list) and bool(stack) and all("function" in e for e in stack),
           f"scriptStackTraceElements: {stack!r}")


@check("script.run_with_token_missing_a_manifest_scope_is_refused", needs_deployment=True)
def run_narrow_token(t: Target) -> None:
    """scripts.run with a token that lacks one of the scopes the script's manifest lists is refused before the
    function runs: HTTP 401 UNAUTHENTICATED whose details[0] is an ExecutionError "Authorization is required to
    perform that action." — while the same call with the full token succeeds. The execute guide: "This OAuth
    token must cover all the scopes used by the script, not just the ones used by the called function." The
    narrower token is made the way OAuth allows: a refresh of the user's refresh token asking for fewer scopes.

    Source: https://developers.google.com/apps-script/api/how-tos/execute ("Requirements")
    Source: https://www.rfc-editor.org/rfc/rfc6749#section-6 (a refresh may ask for fewer scopes than were granted)
    """
    deployment = _deployment(t)
    ok(t.script_run(deployment, "bridgeInfo"), "scripts.run bridgeInfo with the full token (control)")
    if t.narrowed is None:
        raise CheckFailed(f"this target ({t.kind}) has no token endpoint to make a token with fewer scopes")
    kept, dropped = list(t.manifest_scopes[:-1]), t.manifest_scopes[-1]
    narrow = t.narrowed(kept)
    try:
        reply = t.script_run(deployment, "bridgeInfo", session=narrow)
        granted = narrow.granted_scopes()
        if reply.status == 200 and granted and dropped in granted:
            raise CheckSkipped(f"the token endpoint granted {dropped} although only {kept} was asked for: no "
                               "narrower token could be made")
    finally:
        narrow.close()
    what = f"scripts.run with a token without {dropped}"
    expect(reply.status == 401, f"{what}: expected HTTP 401, got {reply.summary()}")
    details = reply.error.get("details")
    message = details[0].get("errorMessage") if isinstance(details, list) and details and isinstance(details[0], dict) \
        else None
    expect(message == "Authorization is required to perform that action.",
           f"{what}: expected details[0].errorMessage 'Authorization is required to perform that action.', got "
           f"{reply.text[:300]}")


# -- credentials ------------------------------------------------------------------------------------------------

@check("auth.sheets_request_without_credentials_is_refused")
def sheets_without_credentials(t: Target) -> None:
    """A Sheets API request with no credentials at all is refused (HTTP 401 or 403), even for the spreadsheet's
    own owner.

    Source: https://github.com/googleapis/google-api-php-client/issues/1528 (401 "Request is missing required ...")
    Source: https://developers.google.com/workspace/sheets/api/guides/authorizing
    """
    reply = t.get({"fields": "properties.title"}, session=t.anonymous)
    expect(reply.status in (401, 403), f"spreadsheets.get without credentials: expected HTTP 401/403, got "
           f"{reply.summary()}")


@check("auth.script_run_without_credentials_is_refused", needs_deployment=True)
def script_without_credentials(t: Target) -> None:
    """scripts.run of the real deployment with no credentials is a 401 UNAUTHENTICATED "Request is missing required
    authentication credential. ..." before anything runs.

    Source: https://developers.google.com/apps-script/api/reference/rest/v1/scripts/run ("requires authorization")
    Source: https://github.com/googleapis/google-auth-library-nodejs/issues/168
    """
    reply = t.script_run(_deployment(t), "bridgeInfo", session=t.anonymous)
    expect_refused(reply, "scripts.run without credentials", status=401,
                   text="Request is missing required authentication credential")


CHECKS_BY_NAME: dict[str, Check] = {c.name: c for c in CHECKS}
