"""Counting a workbook's cells as Google counts them against its limit, and building workbooks near it."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.live import Live

FILLER = "Relleno"


def cell_count(live: Live, spreadsheet_id: str) -> int:
    """The sum of rowCount × columnCount over every sheet, hidden ones included, read through the Sheets API."""
    got = live.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id,
                                         fields="sheets.properties.gridProperties").execute()
    return sum(int(s["properties"]["gridProperties"]["rowCount"]) * int(s["properties"]["gridProperties"]["columnCount"])
               for s in got["sheets"])


def resource_cells(resource: dict[str, Any]) -> int:
    return sum(int(s["properties"]["gridProperties"]["rowCount"]) * int(s["properties"]["gridProperties"]["columnCount"])
               for s in resource["sheets"])


def with_filler(resource: dict[str, Any], total: int) -> dict[str, Any]:
    """`resource` with one more sheet, one column wide, so the workbook has exactly `total` cells (the emulator
    keeps grids sparse: an empty 9,000,000-row sheet costs nothing)."""
    rows = total - resource_cells(resource)
    assert rows > 0, f"the workbook already has {resource_cells(resource):,} cells"
    filled = copy.deepcopy(resource)
    filled["sheets"].append({"properties": {"sheetId": 4242, "title": FILLER,
                                            "gridProperties": {"rowCount": rows, "columnCount": 1}}})
    return filled
