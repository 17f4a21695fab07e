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

from orchestrator.domain.cells import (
    CellParseError,
    CellValue,
    WorkerRef,
    parse_date,
    parse_int,
    parse_local_datetime,
    parse_text,
    parse_worker,
)
from orchestrator.domain.columns import ColumnMap, HeaderError, quote_sheet
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

    @property
    def estado_ocupacion(self) -> EstadoOcupacion:
        return EstadoOcupacion.OCUPADO if self.ocupado_por else EstadoOcupacion.DISPONIBLE


def _columns_for(mode: SchemaMode) -> dict[str, str]:
    return V21_COLUMNS if mode is SchemaMode.V2_1 else {**V21_COLUMNS, **V30_COLUMNS}


class SpoolReader:
    """Parses `Operaciones` rows (values from any render option) into `Spool`s."""

    def __init__(self, header: Sequence[str], mode: SchemaMode) -> None:
        self.mode = mode
        self.columns = ColumnMap(header)
        self._fields = _columns_for(mode)
        missing = self.columns.missing(self._fields.values())
        if missing:
            hint = (" — the sheet is not migrated to v3.0 yet; run `zeues-migrate status`"
                    if mode is SchemaMode.V3_0 and set(missing) <= set(V30_COLUMNS.values()) else "")
            raise HeaderError(f"{OPERACIONES} is missing {mode.value} columns: {', '.join(missing)}{hint}")
        self._positions = {field: self.columns.index(name) for field, name in self._fields.items()}

    def read(self, rows: Iterable[Sequence[CellValue]], *, first_row_number: int = 2) -> Iterator[Spool]:
        """Yield a Spool for every row with a TAG_SPOOL; rows without one are not spools."""
        key = self._positions["tag_spool"]
        for offset, row in enumerate(rows):
            tag = parse_text(row[key]) if key < len(row) else None
            if tag is None:
                continue
            yield self._parse(row, tag, first_row_number + offset)

    def _parse(self, row: Sequence[CellValue], tag: str, row_number: int) -> Spool:
        def cell(field: str) -> CellValue:
            i = self._positions[field]
            return row[i] if i < len(row) else None

        values: dict[str, object] = {"row_number": row_number, "tag_spool": tag}
        field = ""
        try:
            for field in self._fields:
                if field == "tag_spool":
                    continue
                raw = cell(field)
                if field.startswith("fecha_ocupacion"):
                    values[field] = parse_local_datetime(raw)
                elif field.startswith("fecha_"):
                    values[field] = parse_date(raw)
                elif field in ("armador", "soldador"):
                    values[field] = parse_worker(raw)
                elif field == "version":
                    # A row the v2.1 backend appended after the migration has no version yet: it starts at 0.
                    values[field] = parse_int(raw, what="integer version") or 0
                else:
                    values[field] = parse_text(raw)
        except CellParseError as exc:
            raise CellParseError(
                f"{OPERACIONES} row {row_number} (TAG_SPOOL {tag}), column {self._fields[field]!r}: {exc}"
            ) from None
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
