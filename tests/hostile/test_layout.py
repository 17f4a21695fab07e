"""What a sheet owner does to `Operaciones` that must NOT be refused: formula cells, merged header cells, frozen
rows and columns, hidden columns, a filter and a filter view. Apply works and keeps every one of them (formulas
intact, the same rows and columns frozen, the same columns hidden, merges and filters as they were); the
rollback gives back the sheet exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.domain.columns import column_letter
from orchestrator.workbook.headers import OPERACIONES_V21_HEADER
from tests.hostile.conftest import workbook
from tests.support.cli import Cli
from tests.support.live import Live

NEW = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
HIDDEN = ["id", "OC", "Item_OC", "Precio Embalaje"]


def col(name: str) -> int:
    return OPERACIONES_V21_HEADER.index(name)


def grid_range(r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    return {"sheetId": 0, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}


def dressed_workbook() -> dict[str, Any]:
    resource = workbook()
    ops = resource["sheets"][0]
    assert ops["properties"]["title"] == "Operaciones"
    rows = ops["data"][0]["rowData"]
    grid = ops["properties"]["gridProperties"]
    grid["frozenRowCount"], grid["frozenColumnCount"] = 1, col("TAG_SPOOL") + 1
    # Formulas beside the generated `Precio Total` ones: a same-row one, a whole-column one, a cross-sheet one.
    notas = col("Notas")
    for r in (3, 4, 5):
        cells = rows[r]["values"]
        cells.extend({} for _ in range(notas + 1 - len(cells)))
        cells[notas] = {"userEnteredValue": {"formulaValue": f"=UPPER({column_letter(col('TAG_SPOOL'))}{r + 1})"}}
    rows[6]["values"][col("Prioridad")] = {"userEnteredValue": {"formulaValue": "=COUNTA(G:G)-1"}}
    resumen = next(s for s in resource["sheets"] if s["properties"]["title"] == "Resumen")
    resumen["data"][0]["rowData"].append({"values": [{"userEnteredValue": {"formulaValue": "=COUNTA(Operaciones!G:G)-1"}},
                                                     {"userEnteredValue": {"formulaValue": "=SUM(Operaciones!BL:BL)"}}]})
    # Merged header cells: `Fecha_NDT` over the empty cell below it; a merged block in the data area.
    ndt = col("Fecha_NDT")
    ops["merges"] = [grid_range(0, 2, ndt, ndt + 1), grid_range(3, 4, col("N°_nforme_PT"), col("N°_Informe_UT_ RX") + 1)]
    # Hidden columns.
    ops["data"][0]["columnMetadata"] = [{"hiddenByUser": True} if name in HIDDEN else {} for name in OPERACIONES_V21_HEADER]
    # A filter over the whole table that hides dispatched spools, and a saved filter view.
    table = grid_range(0, len(rows), 0, len(OPERACIONES_V21_HEADER))
    ops["basicFilter"] = {"range": table, "filterSpecs": [{"columnIndex": col("Status_Spool"), "filterCriteria": {
        "hiddenValues": ["DESPACHADO"]}}]}
    ops["filterViews"] = [{"filterViewId": 7, "title": "Sin armar", "range": table, "filterSpecs": [
        {"columnIndex": col("Armador"), "filterCriteria": {"condition": {"type": "BLANK"}}}]}]
    return resource


def operaciones(snapshot: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in snapshot["sheets"] if s["properties"]["title"] == "Operaciones")


def hidden_columns(live: Live, sid: str) -> list[str]:
    got = live.sheets.spreadsheets().get(spreadsheetId=sid, ranges=["Operaciones!1:1"], includeGridData=True).execute()
    data = got["sheets"][0]["data"][0]
    header = [c.get("formattedValue", "") for c in data["rowData"][0]["values"]]
    return [header[i] for i, dp in enumerate(data["columnMetadata"]) if dp.get("hiddenByUser")]


def test_formulas_merges_frozen_hidden_and_filters_are_kept(cli: Cli, live: Live,
                                                             new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(dressed_workbook())
    original = live.snapshot(sid)
    old = f"'Operaciones'!A1:{column_letter(len(OPERACIONES_V21_HEADER) - 1)}"
    formulas = live.values(sid, old, "FORMULA")
    values = live.values(sid, old, "UNFORMATTED_VALUE")
    resumen = live.values(sid, "'Resumen'!A1:B3", "FORMULA"), live.values(sid, "'Resumen'!A1:B3")
    assert hidden_columns(live, sid) == HIDDEN

    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.doc
    assert applied.result["runs"][0]["verification"]["status"] == "passed"
    assert live.header(sid, "Operaciones")[-3:] == NEW
    assert live.values(sid, old, "FORMULA") == formulas
    assert live.values(sid, old, "UNFORMATTED_VALUE") == values
    assert (live.values(sid, "'Resumen'!A1:B3", "FORMULA"), live.values(sid, "'Resumen'!A1:B3")) == resumen
    after = operaciones(live.snapshot(sid))
    before = operaciones(original)
    grid = after["properties"]["gridProperties"]
    assert (grid["frozenRowCount"], grid["frozenColumnCount"]) == (1, col("TAG_SPOOL") + 1)
    assert hidden_columns(live, sid) == HIDDEN  # the new columns are not hidden, the hidden ones still are
    for key in ("merges", "basicFilter", "filterViews"):
        assert after[key] == before[key], key

    rolled = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert rolled.code == 0, rolled.doc
    assert rolled.result["verification"]["status"] == "passed"
    back = live.snapshot(sid)
    # Operaciones is exactly what it was: cells, formulas, formats, frozen panes, hidden columns, merges, filters.
    assert operaciones(back) == operaciones(original)
    kept = {s["properties"]["title"]: s for s in back["sheets"] if not s["properties"]["title"].startswith("_zeues")}
    assert kept == {s["properties"]["title"]: s for s in original["sheets"]}
