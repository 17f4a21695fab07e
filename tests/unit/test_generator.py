import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from orchestrator.domain.columns import ColumnMap
from orchestrator.domain.schema_mode import SchemaMode
from orchestrator.domain.spool import SpoolReader
from orchestrator.workbook import Variant, WorkbookOptions, build_workbook, operaciones_header, write_workbook
from orchestrator.contract.limits import CELL_LIMIT
from orchestrator.workbook.headers import ROLES
from tests.support.discovery import validate
from tests.support.resource import rows, sheet


@pytest.fixture(scope="module")
def workbook() -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=1000, seed=1))


def test_validates_against_the_sheets_v4_spreadsheet_schema(workbook: dict[str, Any]) -> None:
    validate("sheets", "Spreadsheet", workbook)


def test_the_validator_catches_what_google_would_reject() -> None:
    with pytest.raises(AssertionError, match="Additional properties"):
        validate("sheets", "Spreadsheet", {"properties": {"title": "x", "colour": "red"}})
    with pytest.raises(AssertionError, match="is not of type"):
        validate("sheets", "Spreadsheet", {"sheets": [{"properties": {"index": "first"}}]})


def test_same_seed_same_workbook_other_seed_other_workbook() -> None:
    a = build_workbook(WorkbookOptions(spools=200, seed=4))
    assert a == build_workbook(WorkbookOptions(spools=200, seed=4))
    assert a != build_workbook(WorkbookOptions(spools=200, seed=5))


def test_streamed_file_equals_the_in_memory_resource(tmp_path: Path) -> None:
    options = WorkbookOptions(spools=300, seed=8, variants=frozenset({Variant.TAG_ALIAS}))
    stats = write_workbook(options, tmp_path / "wb.json")
    streamed = json.loads((tmp_path / "wb.json").read_text(encoding="utf-8"))
    assert streamed == build_workbook(options)
    assert stats.cells < CELL_LIMIT and stats.bytes == (tmp_path / "wb.json").stat().st_size


def test_ten_worksheets_with_the_production_names(workbook: dict[str, Any]) -> None:
    titles = [s["properties"]["title"] for s in workbook["sheets"]]
    assert len(titles) == 10 and titles[:4] == ["Operaciones", "Metadata", "Trabajadores", "Roles"]
    assert workbook["properties"]["locale"] == "es_CL"
    assert workbook["properties"]["timeZone"] == "America/Santiago"


def test_grid_is_larger_than_the_data_with_no_spare_column(workbook: dict[str, Any]) -> None:
    ops = sheet(workbook, "Operaciones")
    grid = ops["properties"]["gridProperties"]
    data_rows = len(ops["data"][0]["rowData"])
    assert grid["rowCount"] > data_rows * 2  # production: 2,556 grid rows for ~1,100 data rows
    assert grid["columnCount"] == len(operaciones_header())  # the condition that broke the first attempt


def test_rows_look_like_production(workbook: dict[str, Any]) -> None:
    table = rows(workbook, "Operaciones")
    header, data = table[0], table[1:]
    cols = ColumnMap(header)
    tag = cols.index("TAG_SPOOL")
    tags = [r[tag] for r in data if tag < len(r) and r[tag]]
    assert len(tags) == len(set(tags)) == 1000
    assert tags[:2] == ["TEST-01", "TEST-02"]
    assert all(str(t).startswith("MK-") for t in tags[2:])
    assert len(data) > len(tags)  # human note rows without a TAG_SPOOL
    with_id = sum(1 for r in data if r and r[0] is not None)
    assert 0.15 < with_id / len(tags) < 0.40  # ~290 of ~1,100 rows have an id in production
    cells = sheet(workbook, "Operaciones")["data"][0]["rowData"]
    armado = cols.index("Fecha_Armado")
    kinds = Counter(
        "date-cell" if "numberValue" in c["userEnteredValue"] else "text"
        for r in cells[1:] for c in r["values"][armado:armado + 1] if c.get("userEnteredValue")
    )
    assert kinds["date-cell"] > kinds["text"] > 0  # real date cells and legacy text
    total = cols.index("Precio Total")
    assert all(r["values"][total]["userEnteredValue"]["formulaValue"].startswith("=") for r in cells[1:]
               if len(r["values"]) > total)
    workers = {r[cols.index("Armador")] for r in data if len(r) > cols.index("Armador")} - {None}
    assert any("(" in str(w) for w in workers) and any(" " in str(w) for w in workers)


@pytest.mark.parametrize("seed", [1, 2, 4, 11])
def test_roles_are_one_row_per_worker_and_role(seed: int) -> None:
    """As the v2.1 backend reads Roles: `Id | Rol | Activo`, Id a Trabajadores id, a worker with two roles on two
    rows; every worker holds a role, and every worker an event names holds the role the backend checks."""
    resource = build_workbook(WorkbookOptions(spools=300, seed=seed))
    workers = {r[0]: r for r in rows(resource, "Trabajadores")[1:]}
    assert len(workers) == len(rows(resource, "Trabajadores")) - 1, "worker ids are unique"
    header, *roles = rows(resource, "Roles")
    assert header == ["Id", "Rol", "Activo"]
    assert all(isinstance(r[0], (int, float)) and r[1] in ROLES and isinstance(r[2], bool) for r in roles)
    assert {r[0] for r in roles} == set(workers), "every Roles Id is a worker, every worker has a role"
    per_worker = Counter(r[0] for r in roles)
    assert max(per_worker.values()) == 2 and min(per_worker.values()) == 1, "one role each, some two"
    assert len({(r[0], r[1]) for r in roles}) == len(roles), "no role twice for a worker"
    assert all(not r[2] for r in roles if not workers[r[0]][3]), "an inactive worker's roles are inactive"
    holders = {rol: {r[0] for r in roles if r[1] == rol} for rol in ROLES}
    assert any(workers[w][3] for w in holders["Metrologia"]), "an active worker can do METROLOGIA actions"
    assert roles[0] == [93, "Armador", True] and [93, "Soldador", True] in roles  # MR(93) of the real example
    grid = sheet(resource, "Roles")["properties"]["gridProperties"]
    assert grid["rowCount"] > len(roles) and grid["columnCount"] == 3
    needs = {"ARM": "Armador", "SOLD": "Soldador", "METROLOGIA": "Metrologia"}
    events = rows(resource, "Metadata")[1:]
    assert {e[6] for e in events} == set(needs)
    assert all(e[4] in holders[needs[str(e[6])]] for e in events), "the backend would have refused the event"


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        (Variant.TAG_ALIAS, "TAG_SPOOL / CODIGO_BARRA"),
        (Variant.UNACCENTED, "Fecha_QC_Metrologia"),
        (Variant.INSERTED_COLUMN, "Comentario_Bodega"),
    ],
)
def test_variants(variant: Variant, expected: str) -> None:
    resource = build_workbook(WorkbookOptions(spools=30, seed=1, variants=frozenset({variant})))
    header = rows(resource, "Operaciones")[0]
    assert expected in header
    validate("sheets", "Spreadsheet", resource)
    spools = list(SpoolReader(header, SchemaMode.V2_1).read(rows(resource, "Operaciones")[1:]))
    assert len(spools) == 30


def test_inserted_column_is_in_the_middle() -> None:
    header = operaciones_header(frozenset({Variant.INSERTED_COLUMN}))
    assert 0 < header.index("Comentario_Bodega") < len(header) - 1


def test_the_cell_limit_is_enforced() -> None:
    with pytest.raises(ValueError, match="over Google's 10,000,000 limit"):
        build_workbook(WorkbookOptions(spools=200_000, seed=1))


def test_cli_writes_a_workbook(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from orchestrator.cli import main

    out = tmp_path / "w.json"
    result = CliRunner().invoke(main, ["workbook", "--spools", "20", "--variant", "unaccented", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Fecha_QC_Metrologia" in rows(json.loads(out.read_text()), "Operaciones")[0]
