"""Google's limits that decide what a change may do (DESIGN.md, "Platform facts"), and the grid the bridge creates
the history sheet with (the cell budget counts it); also how much a verification lists (`MAX_LISTED`, the tool's
own, not the bridge's). The bridge's copy is in `appsscript/Contract.js`, generated from `BRIDGE_CONSTANTS` by
`python3 tasks.py regen`; a test fails while it is stale.
"""

from __future__ import annotations

CELL_LIMIT = 10_000_000
MAX_COLUMNS = 18_278
MAX_CELL_CHARS = 50_000
HISTORY_GRID_ROWS = 100
# How many contract violations and concurrent changes a verification lists (all are counted). Here, not in the
# engine, because the CLI's `--max-violations` default needs it before the engine may be imported.
MAX_LISTED = 1000

# What Contract.js defines, in this order: name -> (value, what it is).
BRIDGE_CONSTANTS: dict[str, tuple[int, str]] = {
    "CELL_LIMIT": (CELL_LIMIT, "cells per workbook: the sum of rowCount × columnCount over every sheet, hidden ones too"),
    "MAX_COLUMNS": (MAX_COLUMNS, "columns per sheet (ZZZ)"),
    "MAX_CELL_CHARS": (MAX_CELL_CHARS, "characters per cell, counted as String.length counts them (UTF-16 units)"),
    "HISTORY_GRID_ROWS": (HISTORY_GRID_ROWS, "rows of the history sheet's grid when the bridge creates it"),
}


def cell_chars(text: str) -> int:
    """Characters as the bridge counts them (`String.length`, UTF-16 code units), so both sides refuse the same
    text: an emoji counts two."""
    return len(text.encode("utf-16-le")) // 2
