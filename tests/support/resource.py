"""Reading cell values straight out of a generated `Spreadsheet` resource, as the values API would render
them, so domain tests need no server."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from orchestrator.domain.cells import CellValue

_EPOCH = date(1899, 12, 30)


def sheet(resource: dict[str, Any], title: str) -> dict[str, Any]:
    for s in resource["sheets"]:
        if s["properties"]["title"] == title:
            return s
    raise KeyError(title)


def _cell(cell: dict[str, Any], formatted: bool) -> CellValue:
    value = cell.get("userEnteredValue")
    if not value:
        return None
    if "numberValue" in value:
        number = value["numberValue"]
        fmt = cell.get("userEnteredFormat", {}).get("numberFormat", {})
        if formatted and fmt.get("type") == "DATE":
            return (_EPOCH + timedelta(days=int(number))).strftime("%d-%m-%Y")
        return str(number) if formatted else number
    if "formulaValue" in value:
        return None  # not evaluated here
    return value.get("stringValue", value.get("boolValue"))  # type: ignore[no-any-return]


def rows(resource: dict[str, Any], title: str, *, formatted: bool = False) -> list[list[CellValue]]:
    """All rows of a sheet, header first; UNFORMATTED_VALUE-like by default, FORMATTED_VALUE-like on request."""
    data = sheet(resource, title)["data"][0]["rowData"]
    return [[_cell(c, formatted) for c in r.get("values", [])] for r in data]
