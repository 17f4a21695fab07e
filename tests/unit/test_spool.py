from datetime import date
from typing import Any

import pytest

from orchestrator.domain.cells import CellParseError
from orchestrator.domain.columns import HeaderError
from orchestrator.domain.schema_mode import SchemaMode, resolve_schema_mode
from orchestrator.domain.spool import V30_COLUMNS, EstadoOcupacion, SpoolReader, SpoolWriter
from orchestrator.workbook import Variant, WorkbookOptions, build_workbook
from tests.support.resource import rows

V30 = list(V30_COLUMNS.values())


@pytest.fixture(scope="module")
def workbook() -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=300, seed=5))


def migrated(table: list[list[Any]]) -> list[list[Any]]:
    """The same rows after v3.0 appended its columns (version 0 on rows with a TAG)."""
    header, *data = table
    width = len(header)
    tag = header.index("TAG_SPOOL")
    out = [header + V30]
    for r in data:
        padded = r + [None] * (width - len(r))
        out.append(padded + [None, None, 0 if tag < len(r) and r[tag] else None])
    return out


def test_v21_reader_counts_spools_by_tag_not_by_column_a(workbook: dict[str, Any]) -> None:
    header, *data = rows(workbook, "Operaciones")
    spools = list(SpoolReader(header, SchemaMode.V2_1).read(data))
    assert len(spools) == 300
    with_id = sum(1 for r in data if r and r[0] is not None)
    assert with_id < 150  # column A would have miscounted them (failure 4)
    assert spools[0].tag_spool == "TEST-01" and spools[0].row_number == 2


def test_v21_reader_ignores_v30_columns_and_reads_the_same_spools(workbook: dict[str, Any]) -> None:
    table = rows(workbook, "Operaciones")
    before = list(SpoolReader(table[0], SchemaMode.V2_1).read(table[1:]))
    after_table = migrated(table)
    after = list(SpoolReader(after_table[0], SchemaMode.V2_1).read(after_table[1:]))
    assert before == after
    assert all(s.version is None and s.ocupado_por is None for s in after)


def test_formatted_and_unformatted_reads_give_equal_spools(workbook: dict[str, Any]) -> None:
    raw = rows(workbook, "Operaciones")
    shown = rows(workbook, "Operaciones", formatted=True)
    a = list(SpoolReader(raw[0], SchemaMode.V2_1).read(raw[1:]))
    b = list(SpoolReader(shown[0], SchemaMode.V2_1).read(shown[1:]))
    assert a == b
    assert any(s.fecha_armado is not None for s in a)


def test_v30_reader_refuses_a_v21_sheet_naming_the_missing_columns(workbook: dict[str, Any]) -> None:
    header = rows(workbook, "Operaciones")[0]
    with pytest.raises(HeaderError, match="missing v3.0 columns: Ocupado_Por, Fecha_Ocupacion, version") as err:
        SpoolReader(header, SchemaMode.V3_0)
    assert "zeues-migrate status" in str(err.value)


def test_v30_reader_reads_occupation_after_migration(workbook: dict[str, Any]) -> None:
    table = migrated(rows(workbook, "Operaciones"))
    table[1][-3:] = ["MR(93)", "28-01-2026 16:56:25", 3]
    spools = list(SpoolReader(table[0], SchemaMode.V3_0).read(table[1:]))
    assert spools[0].estado_ocupacion is EstadoOcupacion.OCUPADO and spools[0].version == 3
    assert spools[0].fecha_ocupacion is not None and spools[0].fecha_ocupacion.hour == 16
    assert all(s.estado_ocupacion is EstadoOcupacion.DISPONIBLE and s.version == 0 for s in spools[1:])


def test_v30_reader_rejects_a_uuid_version_naming_row_and_tag(workbook: dict[str, Any]) -> None:
    table = migrated(rows(workbook, "Operaciones"))
    table[2][-1] = "3c60609c-1b2a-4c1f-9f0e-8d7c6b5a4f3e"
    with pytest.raises(CellParseError, match=r"row 3 \(TAG_SPOOL TEST-02\), column 'version'"):
        list(SpoolReader(table[0], SchemaMode.V3_0).read(table[1:]))


@pytest.mark.parametrize("variant", list(Variant))
def test_reader_works_on_every_header_variant(variant: Variant) -> None:
    resource = build_workbook(WorkbookOptions(spools=50, seed=2, variants=frozenset({variant})))
    table = rows(resource, "Operaciones")
    spools = list(SpoolReader(table[0], SchemaMode.V2_1).read(table[1:]))
    assert len(spools) == 50


def test_reader_follows_a_column_inserted_in_the_middle() -> None:
    plain = rows(build_workbook(WorkbookOptions(spools=40, seed=9)), "Operaciones")
    shifted = rows(build_workbook(WorkbookOptions(spools=40, seed=9, variants=frozenset({Variant.INSERTED_COLUMN}))),
                   "Operaciones")
    a = list(SpoolReader(plain[0], SchemaMode.V2_1).read(plain[1:]))
    b = list(SpoolReader(shifted[0], SchemaMode.V2_1).read(shifted[1:]))
    assert len(a) == 40 and a == b


def test_writer_never_writes_v30_columns_in_v21_mode(workbook: dict[str, Any]) -> None:
    table = migrated(rows(workbook, "Operaciones"))
    spool = next(SpoolReader(table[0], SchemaMode.V2_1).read(table[1:]))
    v21 = SpoolWriter(table[0], SchemaMode.V2_1)
    assert v21.cell_range(spool, "armador") == f"'Operaciones'!{v21.columns.letter('Armador')}2"
    with pytest.raises(HeaderError, match="v3.0 column"):
        v21.cell_range(spool, "ocupado_por")
    v30 = SpoolWriter(table[0], SchemaMode.V3_0)
    assert v30.cell_range(spool, "version") == f"'Operaciones'!{v30.columns.letter('version')}2"


def test_schema_mode_from_argument_then_env_then_default() -> None:
    assert resolve_schema_mode(None, {}) is SchemaMode.V2_1
    assert resolve_schema_mode(None, {"ZEUES_SCHEMA_MODE": "v3.0"}) is SchemaMode.V3_0
    assert resolve_schema_mode("2.1", {"ZEUES_SCHEMA_MODE": "v3.0"}) is SchemaMode.V2_1
    with pytest.raises(ValueError, match="unknown schema mode 'v4' \\(from ZEUES_SCHEMA_MODE\\)"):
        resolve_schema_mode(None, {"ZEUES_SCHEMA_MODE": "v4"})


def test_dates_parse_to_the_generated_days(workbook: dict[str, Any]) -> None:
    table = rows(workbook, "Operaciones")
    spools = list(SpoolReader(table[0], SchemaMode.V2_1).read(table[1:]))
    dated = [s.fecha_materiales for s in spools if s.fecha_materiales]
    assert dated and all(date(2025, 1, 1) <= d <= date(2027, 1, 1) for d in dated)
