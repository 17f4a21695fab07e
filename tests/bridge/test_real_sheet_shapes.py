"""Shapes real sheets have that the generated workbook does not: spare empty grid columns and rows beyond the
header (most sheets have them; the generator sizes the grid to the data), and an archive read by whoever opens it,
with any render option, not only FORMULA."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orchestrator.domain.columns import column_letter
from tests.bridge.conftest import v30
from tests.bridge.helpers import V30_COLUMNS, apply, region
from tests.bridge.test_rollback_restore import rollback
from tests.support.live import Live

SPARE_COLUMNS, SPARE_ROWS = 4, 25


def _with_spare_grid(live: Live, sid: str) -> None:
    sheet_id = live.sheet_id(sid, "Operaciones")
    live.batch_update(sid, [{"appendDimension": {"sheetId": sheet_id, "dimension": d, "length": n}}
                            for d, n in (("COLUMNS", SPARE_COLUMNS), ("ROWS", SPARE_ROWS))])


def test_new_columns_go_after_the_last_header_column_not_at_the_grids_end(live: Live,
                                                                          new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    header = live.header(sid, "Operaciones")
    _with_spare_grid(live, sid)
    grid = live.grid(sid, "Operaciones")
    assert grid["columnCount"] == len(header) + SPARE_COLUMNS
    before = live.values(sid, "Operaciones", "FORMULA")

    result = apply(live, sid, v30())

    assert live.header(sid, "Operaciones") == header + V30_COLUMNS  # right after the header: no blank between
    # Inserted there in the first place: columns put at the grid's end would be moved into place by the tidy step
    # (Layout.js), and this quiet apply would then report a concurrent structure change that never happened.
    assert result["concurrentStructureChange"] is None
    assert [c["column"] for c in result["columns"]] == list(range(len(header), len(header) + len(V30_COLUMNS)))
    after = live.grid(sid, "Operaciones")
    assert after["columnCount"] == grid["columnCount"] + len(V30_COLUMNS)  # inserted, the spare ones kept
    assert after["rowCount"] == grid["rowCount"]
    assert region(live.values(sid, "Operaciones", "FORMULA"), len(header)) == region(before, len(header))


@pytest.mark.parametrize("render", ["FORMULA", "FORMATTED_VALUE", "UNFORMATTED_VALUE"])
def test_the_archive_holds_formulas_as_text_whatever_the_render(live: Live, new_sheet: Callable[..., str],
                                                                render: str) -> None:
    """A formula kept live in the archive reads back as its text under FORMULA only: under the other renders it
    would show its result, computed against the archive's own cells (not the rows it came from)."""
    sid = new_sheet(spools=20)
    width = len(live.header(sid, "Operaciones"))
    apply(live, sid, v30())
    ocupado, version = column_letter(width), column_letter(width + 2)
    live.update(sid, f"Operaciones!{ocupado}3", [["MR(93)"]], option="RAW")
    live.update(sid, f"Operaciones!{version}4", [["=1+1"]])
    result = rollback(live, sid, "3.0")
    archive = live.values(sid, f"'{result['archiveSheet']}'!A1:Z", render)
    held = {(r[1], j): r[3 + j] for r in archive[1:] for j in range(3) if len(r) > 3 + j and r[3 + j] != ""}
    row = (lambda n: str(n)) if render == "FORMATTED_VALUE" else (lambda n: n)  # row numbers display as text
    assert held[(row(3), 0)] == "MR(93)"
    assert held[(row(4), 2)] == "=1+1"  # the formula's text, not its result 2
