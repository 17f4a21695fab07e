"""Spools: one `Operaciones` row, read and written by header name under a schema mode.

In v2.1 mode the reader ignores the v3.0 columns (present or not) and the writer refuses to touch them, so
v2.1 code keeps working on a migrated sheet. In v3.0 mode both require the v3.0 columns and fail fast,
naming the missing ones. Rows are counted by TAG_SPOOL, never by column A: counting a non-empty column A
once miscounted every row without an `id` (zeues-sheet.md, failure 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from orchestrator.domain.cells import CellParseError, CellValue, WorkerRef, parse_text
from orchestrator.domain.columns import ColumnMap, HeaderError, quote_sheet
from orchestrator.domain.contract import CheckedRow, SheetChecker, SheetContract, Violation, contracts_for
from orchestrator.domain.schema_mode import SchemaMode

OPERACIONES = "Operaciones"
KEY_COLUMN = "TAG_SPOOL"

# Spool field -> header name. Lookups normalise, so accents, case and the ` / ` alias do not matter.
V21_COLUMNS: dict[str, str] = {
    "tag_spool": KEY_COLUMN,
    "nv": "NV",
    "fecha_materiales": "Fecha_Materiales",
    "fecha_armado": "Fecha_Armado",
    "armador": "Armador",
    "fecha_soldadura": "Fecha_Soldadura",
    "soldador": "Soldador",
    "fecha_qc_metrologia": "Fecha_QC_Metrología",
}
# Checked by a test against the columns the 3.0 migration spec adds.
V30_COLUMNS: dict[str, str] = {
    "ocupado_por": "Ocupado_Por",
    "fecha_ocupacion": "Fecha_Ocupacion",
    "version": "version",
}


class EstadoOcupacion(StrEnum):
    DISPONIBLE = "DISPONIBLE"
    OCUPADO = "OCUPADO"


class Spool(BaseModel):
    model_config = ConfigDict(frozen=True)

    row_number: int  # 1-based sheet row, for messages and writes
    tag_spool: str
    nv: str | None = None
    fecha_materiales: date | None = None
    fecha_armado: date | None = None
    armador: WorkerRef | None = None
    fecha_soldadura: date | None = None
    soldador: WorkerRef | None = None
    fecha_qc_metrologia: date | None = None
    # v3.0; None when read in v2.1 mode
    ocupado_por: str | None = None
    fecha_ocupacion: datetime | None = None
    version: int | None = None
    # Fields whose cell broke its column's contract (report mode): they read as None, see SpoolRead.problems.
    invalid: frozenset[str] = frozenset()

    @property
    def estado_ocupacion(self) -> EstadoOcupacion:
        # An unreadable Ocupado_Por (a full name of older rows) is somebody, not nobody: never DISPONIBLE.
        return EstadoOcupacion.OCUPADO if self.ocupado_por or "ocupado_por" in self.invalid else (
            EstadoOcupacion.DISPONIBLE)


class SpoolRead(BaseModel):
    """What a report-mode read returns: every spool, and every cell that broke its contract."""

    spools: list[Spool]
    problems: list[Violation]


def _columns_for(mode: SchemaMode) -> dict[str, str]:
    return V21_COLUMNS if mode is SchemaMode.V2_1 else {**V21_COLUMNS, **V30_COLUMNS}


class SpoolReader:
    """Parses `Operaciones` rows (values from any render option) into `Spool`s, each typed column by its column
    contract (`contracts`, default: the contracts of `mode`'s schema, `contract.contracts_for`)."""

    def __init__(self, header: Sequence[str], mode: SchemaMode,
                 contracts: Sequence[SheetContract] | None = None) -> None:
        self.mode = mode
        self.header = list(header)
        self.columns = ColumnMap(header)
        self._fields = _columns_for(mode)
        missing = self.columns.missing(self._fields.values())
        if missing:
            hint = (" — the sheet is not migrated to v3.0 yet; run `zeues-migrate status`"
                    if mode is SchemaMode.V3_0 and set(missing) <= set(V30_COLUMNS.values()) else "")
            raise HeaderError(f"{OPERACIONES} is missing {mode.value} columns: {', '.join(missing)}{hint}")
        self._positions = {field: self.columns.index(name) for field, name in self._fields.items()}
        sheets = contracts_for(mode.value.lstrip("v")) if contracts is None else contracts
        sheet = next((c for c in sheets if c.sheet == OPERACIONES), None)
        # Only this mode's columns: a v2.1 reader checks nothing of v3.0, present or not.
        rules = [c for c in sheet.columns if any(sheet.column(n) is c for n in self._fields.values())] if sheet else []
        self.contract = sheet.model_copy(update={"columns": rules}) if sheet and rules else None
        self._rule_of = {field: rule.column for field, name in self._fields.items()
                         if self.contract and (rule := self.contract.column(name)) is not None}

    def read(self, rows: Iterable[Sequence[CellValue]], *, first_row_number: int = 2) -> Iterator[Spool]:
        """Strict: yield a Spool for every row with a TAG_SPOOL (rows without one are not spools); the first cell
        that breaks its contract raises `CellParseError` naming the row, the TAG_SPOOL and the column."""
        for spool, problems in self._spools(rows, first_row_number):
            if problems:
                first = problems[0]
                raise CellParseError(f"{OPERACIONES} row {first.row} (TAG_SPOOL {first.key or 'none'}), column "
                                     f"{first.column!r}: {first.problem}")
            if spool is not None:
                yield spool

    def read_report(self, rows: Iterable[Sequence[CellValue]], *, first_row_number: int = 2) -> SpoolRead:
        """Report mode: every spool (a cell that breaks its contract reads as None and is named in `invalid`)
        and every problem, instead of failing the whole read on one row."""
        spools: list[Spool] = []
        problems: list[Violation] = []
        for spool, found in self._spools(rows, first_row_number):
            problems.extend(found)
            if spool is not None:
                spools.append(spool)
        return SpoolRead(spools=spools, problems=problems)

    def _spools(self, rows: Iterable[Sequence[CellValue]],
                first_row_number: int) -> Iterator[tuple[Spool | None, list[Violation]]]:
        checker = SheetChecker(self.contract, self.header) if self.contract else None
        key = self._positions["tag_spool"]
        for offset, row in enumerate(rows):
            row_number = first_row_number + offset
            checked = checker.check(row_number, row) if checker else None
            problems = checked.violations if checked else []
            tag = parse_text(row[key]) if key < len(row) else None
            yield (self._spool(row, tag, row_number, checked) if tag is not None else None), problems

    def _spool(self, row: Sequence[CellValue], tag: str, row_number: int, checked: CheckedRow | None) -> Spool:
        values: dict[str, object] = {"row_number": row_number, "tag_spool": tag}
        bad = {v.column for v in checked.violations} if checked else set()
        for field in self._fields:
            if field == "tag_spool":
                continue
            column = self._rule_of.get(field)
            if column is not None and checked is not None:
                values[field] = checked.values.get(column)
                if column in bad:
                    values[field] = None
            else:  # a column without a contract is text
                i = self._positions[field]
                values[field] = parse_text(row[i] if i < len(row) else None)
        if "version" in self._fields and values.get("version") is None and self._rule_of.get("version") not in bad:
            # An empty version reads as 0: a spool the v2.1 backend appended after the migration (it never writes
            # the v3.0 columns) starts at the value the migration gave every other spool.
            values["version"] = 0
        if isinstance(worker := values.get("ocupado_por"), WorkerRef):
            values["ocupado_por"] = worker.raw  # the Spool keeps the text the backend compares
        values["invalid"] = frozenset(f for f, c in self._rule_of.items() if c in bad)
        return Spool.model_validate(values)


class SpoolWriter:
    """Turns a field change on a spool into the one cell write the backend makes, by header name."""

    def __init__(self, header: Sequence[str], mode: SchemaMode, sheet: str = OPERACIONES) -> None:
        self.mode = mode
        self.sheet = sheet
        self.columns = ColumnMap(header)
        self._fields = _columns_for(mode)
        self.columns.require(self._fields.values(), what=f"{mode.value} columns in {sheet}")

    def cell_range(self, spool: Spool, field: str) -> str:
        """The A1 range of `field` on `spool`'s row; v3.0 fields are refused in v2.1 mode."""
        if field not in self._fields:
            if field in V30_COLUMNS:
                raise HeaderError(f"{field!r} is a v3.0 column; a v2.1-mode writer never writes it")
            raise HeaderError(f"unknown spool field {field!r}")
        return f"{quote_sheet(self.sheet)}!{self.columns.letter(self._fields[field])}{spool.row_number}"
