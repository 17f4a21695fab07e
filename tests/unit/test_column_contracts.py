"""Column contracts (issue 16): the types, the data the migrations carry, the reader's report and strict modes on
the "months of production" sheet, and one definition behind the reader and `verify`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import ValidationError

from orchestrator.domain import (
    CellParseError,
    ColumnContract,
    DateTimeType,
    DateType,
    IntegerType,
    OneOfType,
    SchemaMode,
    SheetContract,
    SpoolReader,
    TextType,
    WorkerType,
    contracts_for,
)
from orchestrator.domain.cells import SHEET_TIMEZONE
from orchestrator.domain.spool import EstadoOcupacion
from orchestrator.engine.state import LiveState, SheetInfo
from orchestrator.engine.verify import verify_contracts
from orchestrator.google.sheets import Grid, SheetsReader
from orchestrator.migrations import (
    MIGRATIONS_DIR,
    MigrationSpecError,
    bridge_payload,
    load_baseline,
    load_migrations,
    schema_contracts,
)
from orchestrator.migrations.spec import Migration
from orchestrator.workbook import WorkbookOptions, build_workbook
from orchestrator.workbook.generator import V30_ADDED
from tests.support.resource import rows

# The identity production recorded when 3.0 was applied: its contracts must not change it.
CHECKSUM_3_0 = "sha256:9e8f1dfaa607e09a7c0ff4ffbdb57899c48b4e62b01673181fd33aee045b70ce"
SPOOLS = 400


# -- the types ----------------------------------------------------------------------------------------------------

def test_each_type_reads_what_it_declares_and_refuses_the_rest() -> None:
    assert IntegerType(kind="integer", minimum=0).parse(3.0) == 3
    with pytest.raises(CellParseError, match="below the minimum 0"):
        IntegerType(kind="integer", minimum=0).parse(-1)
    with pytest.raises(CellParseError, match="not an integer"):
        IntegerType(kind="integer").parse("98e9c515-1b2a-4c1f-9f0e-8d7c6b5a4f3e")
    assert TextType(kind="text").parse(93.0) == "93"
    assert WorkerType(kind="worker").parse("MR(93)").worker_id == 93  # type: ignore[union-attr]
    with pytest.raises(CellParseError, match="INICIALES"):
        WorkerType(kind="worker").parse("Mauricio Rodriguez")
    assert WorkerType(kind="worker", full_names=True).parse("Mauricio Rodriguez").full_name == "Mauricio Rodriguez"
    with pytest.raises(CellParseError, match="not one of"):
        OneOfType(kind="one_of", values=["ARM", "SOLD"]).parse("PINT")
    dates = DateType(kind="date", forms=["serial", "D/M/YYYY", "DD-Mon-YYYY"])
    assert dates.parse(45_800) == date(2025, 5, 23) and dates.parse("30/7/2025") == date(2025, 7, 30)
    assert dates.parse("08-Nov-2025") == date(2025, 11, 8)
    with pytest.raises(CellParseError, match="forms"):
        dates.parse("2025-11-08")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-01-28", datetime(2026, 1, 28, tzinfo=SHEET_TIMEZONE)),
    ("28-01-2026", datetime(2026, 1, 28, tzinfo=SHEET_TIMEZONE)),
    ("28-01-2026 16:56:25", datetime(2026, 1, 28, 16, 56, 25, tzinfo=SHEET_TIMEZONE)),
])
def test_fecha_ocupacion_takes_the_three_forms_production_wrote(text: str, expected: datetime) -> None:
    (contract,) = contracts_for("3.0")
    rule = contract.column("Fecha_Ocupacion")
    assert rule is not None and rule.type.parse(text) == expected
    with pytest.raises(CellParseError):
        rule.type.parse("abc")


def test_a_contract_is_validated() -> None:
    with pytest.raises(ValidationError):
        ColumnContract.model_validate({"column": "x", "type": {"kind": "decimal"}})
    with pytest.raises(ValidationError):
        ColumnContract.model_validate({"column": "x", "type": {"kind": "date", "forms": ["MM/DD/YYYY"]}})
    with pytest.raises(ValidationError, match="two contracts"):
        SheetContract.model_validate({"sheet": "S", "key_column": "K", "columns": [
            {"column": "a", "type": {"kind": "text"}}, {"column": "A", "type": {"kind": "text"}}]})


# -- the data the migrations carry ------------------------------------------------------------------------------

def test_3_0_gains_its_contracts_and_keeps_its_checksum() -> None:
    (migration,) = load_migrations()
    assert migration.checksum == CHECKSUM_3_0
    (operaciones,) = migration.contracts
    assert [c.column for c in operaciones.columns] == list(V30_ADDED)
    version = operaciones.column("version")
    # Empty is allowed (reads as 0): the v2.1 backend appends spools after the migration without a version.
    assert version is not None and not version.required and version.rows == "key_rows"
    assert version.type == IntegerType(kind="integer", minimum=0)
    assert bridge_payload(migration)["checksum"] == CHECKSUM_3_0
    assert bridge_payload(migration)["contracts"] == [operaciones.model_dump(mode="json")]


def test_the_baseline_declares_what_the_v21_backend_reads() -> None:
    (operaciones,) = load_baseline().contracts
    assert [c.column for c in operaciones.columns] == [
        "TAG_SPOOL", "Fecha_Materiales", "Fecha_Armado", "Fecha_Soldadura", "Fecha_QC_Metrología", "Armador",
        "Soldador"]
    tag = operaciones.column("TAG_SPOOL")
    assert tag is not None and tag.unique and tag.required


def test_the_domain_model_carries_the_migrations_contracts() -> None:
    """The backend imports the domain model without the migration files: its copy equals them."""
    baseline, migrations = load_baseline(), load_migrations()
    assert contracts_for("2.1") == schema_contracts(baseline, [])
    assert contracts_for("v3.0") == schema_contracts(baseline, migrations)


def test_a_newer_migration_writes_its_contracts_inline_and_they_are_checksummed(tmp_path: Path) -> None:
    spec: dict[str, Any] = {"id": "3.1", "description": "d", "operations": [{
        "kind": "add_columns", "sheet": "Operaciones", "key_column": "TAG_SPOOL",
        "columns": [{"name": "Total_Uniones", "default": 0,
                     "contract": {"type": {"kind": "integer", "minimum": 0}, "required": True}}]}]}
    first = Migration.model_validate(spec)
    spec["operations"][0]["columns"][0]["contract"]["type"]["minimum"] = 1
    assert Migration.model_validate(spec).checksum != first.checksum
    (sheet,) = first.contracts
    assert sheet.columns[0].column == "Total_Uniones" and sheet.columns[0].required


def test_a_side_contract_may_only_name_the_columns_its_migration_adds(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "3.0.json").write_text((MIGRATIONS_DIR / "3.0.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "contracts" / "3.0.json").write_text(json.dumps({"schema": "3.0", "sheets": [{
        "sheet": "Operaciones", "key_column": "TAG_SPOOL",
        "columns": [{"column": "Armador", "type": {"kind": "worker"}}]}]}), encoding="utf-8")
    with pytest.raises(MigrationSpecError, match="Operaciones!Armador"):
        load_migrations(tmp_path)


# -- the reader on what production held ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def production() -> list[list[Any]]:
    return rows(build_workbook(WorkbookOptions(spools=SPOOLS, seed=16, production_v30=True)), "Operaciones")


def _expected_problems(table: list[list[Any]]) -> dict[tuple[int, str], Any]:
    header, *data = table
    at = {name: header.index(name) for name in ("TAG_SPOOL", *V30_ADDED)}
    cell = lambda r, name: r[at[name]] if at[name] < len(r) else None  # noqa: E731
    expected: dict[tuple[int, str], Any] = {}
    for n, r in enumerate(data, start=2):
        if not cell(r, "TAG_SPOOL"):
            continue
        if isinstance(cell(r, "version"), str):
            expected[(n, "version")] = cell(r, "version")
        holder = cell(r, "Ocupado_Por")
        if holder and "(" not in holder:
            expected[(n, "Ocupado_Por")] = holder
    return expected


def test_report_mode_returns_every_spool_and_every_problem(production: list[list[Any]]) -> None:
    read = SpoolReader(production[0], SchemaMode.V3_0).read_report(production[1:])
    assert len(read.spools) == SPOOLS
    expected = _expected_problems(production)
    assert {(p.row, p.column): p.value for p in read.problems} == expected
    kinds = {p.column for p in read.problems}
    assert kinds == {"version", "Ocupado_Por"}, "the variant has UUID versions and full names"
    by_row = {s.row_number: s for s in read.spools}
    for (row, column) in expected:
        spool = by_row[row]
        if column == "version":
            assert spool.version is None and "version" in spool.invalid
        else:  # a holder the contract cannot read is still somebody
            assert spool.estado_ocupacion is EstadoOcupacion.OCUPADO
    forms = {len(str(r[production[0].index("Fecha_Ocupacion")]))
             for r in production[1:] if len(r) > production[0].index("Fecha_Ocupacion")
             and r[production[0].index("Fecha_Ocupacion")]}
    assert forms == {10, 19}, "the three written forms occur (two of them ten characters long)"
    assert sum(1 for s in read.spools if s.fecha_ocupacion is not None) > SPOOLS // 10


def test_strict_mode_fails_naming_the_first_bad_row_and_its_tag(production: list[list[Any]]) -> None:
    (first_row, column), _ = min(_expected_problems(production).items())
    tag = production[first_row - 1][production[0].index("TAG_SPOOL")]
    with pytest.raises(CellParseError, match=rf"row {first_row} \(TAG_SPOOL {tag}\), column '{column}'"):
        list(SpoolReader(production[0], SchemaMode.V3_0).read(production[1:]))


def test_a_repeated_tag_is_a_problem(production: list[list[Any]]) -> None:
    table = [list(r) for r in production]
    tag = table[0].index("TAG_SPOOL")
    table[5][tag] = table[3][tag]
    problems = SpoolReader(table[0], SchemaMode.V2_1).read_report(table[1:]).problems
    assert [(p.row, p.column, p.problem) for p in problems] == [(6, "TAG_SPOOL", "repeats row 4; the column is unique")]


# -- one definition -----------------------------------------------------------------------------------------------

class _Rows:
    """Just enough of SheetsReader for verify_contracts: one sheet's rows in one chunk."""

    def __init__(self, table: list[list[Any]]) -> None:
        self.table = table

    def iter_rows(self, spreadsheet_id: str, sheet_title: str, grid: Grid, columns: int, first_row: int,
                  last_row: int | None = None, render: str = "FORMULA", **_: Any) -> Iterator[list[list[Any]]]:
        assert render == "UNFORMATTED_VALUE", "a date cell is checked as its serial"
        yield [r[:columns] for r in self.table[first_row - 1:]]


def _state(table: list[list[Any]]) -> LiveState:
    sheet = SheetInfo(sheet_id=1, title="Operaciones", index=0, hidden=False, row_count=len(table),
                      column_count=len(table[0]), frozen_rows=1, header=[str(h) for h in table[0]])
    return LiveState(spreadsheet_id="s", title="t", time_zone="America/Santiago", sheets=[sheet], schema_version="3.0",
                     event_types=None, hold=None, tags=[], history=[])


def test_changing_the_contract_changes_the_reader_and_verify_alike(production: list[list[Any]]) -> None:
    """One definition: the same SheetContract objects drive the domain reader and `verify` (and the bridge's
    validation rules are built from the same contract, in the payload: test_bridge_validation)."""
    contracts = contracts_for("3.0")
    reader = cast(SheetsReader, _Rows(production))
    as_read = SpoolReader(production[0], SchemaMode.V3_0, contracts).read_report(production[1:]).problems
    verified = verify_contracts(reader, "s", _state(production), contracts)
    assert verified.violations == as_read and verified.violations_total == len(as_read) > 0
    assert verified.cells_checked > SPOOLS * 3

    # Let Ocupado_Por hold full names and cap version at 5: both readers change, together.
    (sheet,) = contracts
    changed = [sheet.model_copy(update={"columns": [
        c.model_copy(update={"type": IntegerType(kind="integer", minimum=0, maximum=5)}) if c.column == "version" else
        c.model_copy(update={"type": WorkerType(kind="worker", full_names=True)}) if c.column == "Ocupado_Por" else c
        for c in sheet.columns]})]
    changed_read = SpoolReader(production[0], SchemaMode.V3_0, changed).read_report(production[1:]).problems
    assert {p.column for p in changed_read} == {"version"}
    assert any("above the maximum 5" in p.problem for p in changed_read)
    assert verify_contracts(reader, "s", _state(production), changed).violations == changed_read

    # Tighten Fecha_Ocupacion to the backend's one form: both now list the older forms.
    tightened = [sheet.model_copy(update={"columns": [
        c.model_copy(update={"type": DateTimeType(kind="datetime", forms=["serial", "DD-MM-YYYY HH:MM:SS"])})
        if c.column == "Fecha_Ocupacion" else c for c in sheet.columns]})]
    tight_read = SpoolReader(production[0], SchemaMode.V3_0, tightened).read_report(production[1:]).problems
    assert {p.column for p in tight_read} == {"Fecha_Ocupacion", "version", "Ocupado_Por"}
    assert verify_contracts(reader, "s", _state(production), tightened).violations == tight_read


def test_an_empty_version_reads_as_0_and_is_no_violation() -> None:
    """A spool the v2.1 backend appends after the migration has no version (it never writes the v3.0 columns):
    it reads as 0, strict mode included, while a UUID there stays a problem."""
    header = ["TAG_SPOOL", "NV", "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura", "Soldador",
              "Fecha_QC_Metrología", "Ocupado_Por", "Fecha_Ocupacion", "version"]
    appended = ["MK-1335-CW-25238-099"]  # only the key: the v2.1 backend's new row
    uuid_row = ["MK-1335-CW-25238-100", *[""] * 9, "98e9c515-5a4b-4f0e-9d2c-3f1a7b6e2d10"]
    (spool,) = list(SpoolReader(header, SchemaMode.V3_0).read([appended]))
    assert spool.version == 0 and not spool.invalid
    read = SpoolReader(header, SchemaMode.V3_0).read_report([appended, uuid_row])
    assert [s.version for s in read.spools] == [0, None]
    assert [(p.row, p.column) for p in read.problems] == [(3, "version")]
