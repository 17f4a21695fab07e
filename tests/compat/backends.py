"""The sheet operations of the ZEUES backends, done with gspread (the library the v2.1 backend uses), pointed at
the emulator by a session that only swaps Google's host for the emulator's URL.

`V21Backend` does what the v2.1 backend does: read every spool by header name, find a spool by its TAG_SPOOL
(in the TAG_SPOOL column, wherever that is — never column A), write one cell per action (the worker on
INICIAR, the date `DD-MM-YYYY` as USER_ENTERED on COMPLETAR, a clear on CANCELAR) and append one Metadata row
per action. The header is read again for every operation: a cached header map once went stale when a column
was inserted in the middle (zeues-sheet.md, failure 7). `V30Writer` is the v3.0 backend's occupation writer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import gspread
from gspread.utils import ValueInputOption, ValueRenderOption, rowcol_to_a1

from orchestrator.domain.cells import CellValue
from orchestrator.domain.columns import ColumnMap
from orchestrator.domain.events import MetadataEvent
from orchestrator.domain.schema_mode import SchemaMode
from orchestrator.domain.spool import V21_COLUMNS, Spool, SpoolReader, SpoolWriter

OPERACIONES, METADATA = "Operaciones", "Metadata"
WORKER_ID, WORKER = 93, "MR(93)"
FECHA = "28-01-2026"
STAMP = "28-01-2026 16:56:25"
# action -> (the column INICIAR writes the worker in, the column COMPLETAR writes the date in)
OPERATIONS = {"ARM": ("Armador", "Fecha_Armado"), "SOLD": ("Soldador", "Fecha_Soldadura")}


@dataclass(frozen=True)
class Written:
    """One cell a backend action wrote, as it reads back afterwards."""

    a1: str
    formatted: CellValue
    unformatted: CellValue


def client(session: Any) -> gspread.Client:
    return gspread.Client(auth=None, session=session)  # type: ignore[arg-type]


class V21Backend:
    def __init__(self, book: gspread.Spreadsheet) -> None:
        self.book = book
        self.ops = book.worksheet(OPERACIONES)
        self.meta = book.worksheet(METADATA)

    # -- reads --------------------------------------------------------------------------------------------
    def columns(self) -> ColumnMap:
        return ColumnMap(self.ops.row_values(1))

    def records(self) -> list[dict[str, Any]]:
        """`get_all_records`, keeping the columns v2.1 reads (under the names the sheet gives them)."""
        columns = self.columns()
        names = [columns.header[columns.index(name)] for name in V21_COLUMNS.values()]
        return [{name: record[name] for name in names} for record in self.ops.get_all_records()]

    def rows(self) -> list[list[CellValue]]:
        return self.ops.get_all_values(value_render_option=ValueRenderOption.unformatted)

    def spools(self, mode: SchemaMode = SchemaMode.V2_1) -> list[Spool]:
        rows = self.rows()
        return list(SpoolReader([str(h) for h in rows[0]], mode).read(rows[1:]))

    def find(self, tag: str) -> int:
        """The sheet row of a spool, found in the TAG_SPOOL column."""
        cell = self.ops.find(tag, in_column=self.columns().index("TAG_SPOOL") + 1)
        assert cell is not None, f"spool {tag} not found"
        return int(cell.row)

    def read_cell(self, row: int, name: str) -> Written:
        column = self.columns().index(name) + 1
        return Written(rowcol_to_a1(row, column),
                       self.ops.cell(row, column).value,
                       self.ops.cell(row, column, value_render_option=ValueRenderOption.unformatted).value)

    # -- the three actions, one cell each, plus the Metadata row ------------------------------------------
    def _write(self, tag: str, name: str, value: str) -> Written:
        row = self.find(tag)
        self.ops.update_cell(row, self.columns().index(name) + 1, value)  # USER_ENTERED, as the backend does
        return self.read_cell(row, name)

    def iniciar(self, tag: str, operacion: str) -> Written:
        written = self._write(tag, OPERATIONS[operacion][0], WORKER)
        self.append_event(f"INICIAR_{operacion}", tag, operacion, "INICIAR")
        return written

    def completar(self, tag: str, operacion: str) -> Written:
        written = self._write(tag, OPERATIONS[operacion][1], FECHA)
        self.append_event(f"COMPLETAR_{operacion}", tag, operacion, "COMPLETAR")
        return written

    def cancelar(self, tag: str, operacion: str) -> Written:
        written = self._write(tag, OPERATIONS[operacion][0], "")
        self.append_event(f"CANCELAR_{operacion}", tag, operacion, "CANCELAR")
        return written

    def clear(self, tag: str, name: str) -> Written:
        return self._write(tag, name, "")

    def append_event(self, tipo: str, tag: str, operacion: str | None, accion: str | None,
                     metadata_json: str = "") -> None:
        self.meta.append_row([str(uuid.uuid4()), STAMP, tipo, tag, WORKER_ID, WORKER, operacion or "", accion or "",
                              FECHA, metadata_json], value_input_option=ValueInputOption.user_entered)

    def last_events(self, count: int) -> list[tuple[list[CellValue], MetadataEvent]]:
        """The last `count` Metadata rows (without their random id), each also parsed as an event."""
        rows = self.meta.get_all_values(value_render_option=ValueRenderOption.unformatted)
        columns = ColumnMap([str(h) for h in rows[0]])
        first = len(rows) - count
        return [(row[1:], MetadataEvent.from_row(columns, row, row_number=first + i + 1))
                for i, row in enumerate(rows[first:])]


class V30Writer:
    """The v3.0 backend's occupation writes (TOMAR_SPOOL / PAUSAR_SPOOL), through SpoolWriter in v3.0 mode."""

    def __init__(self, backend: V21Backend) -> None:
        self.backend = backend

    def spool(self, tag: str) -> Spool:
        return next(s for s in self.backend.spools(SchemaMode.V3_0) if s.tag_spool == tag)

    def _set(self, spool: Spool, values: dict[str, CellValue]) -> None:
        writer = SpoolWriter(self.backend.ops.row_values(1), SchemaMode.V3_0)
        self.backend.book.values_batch_update({
            "valueInputOption": "USER_ENTERED",
            "data": [{"range": writer.cell_range(spool, field), "values": [[value]]} for field, value in values.items()]})

    def tomar(self, tag: str) -> None:
        spool = self.spool(tag)
        assert spool.version is not None
        self._set(spool, {"ocupado_por": WORKER, "fecha_ocupacion": STAMP, "version": spool.version + 1})
        self.backend.append_event("TOMAR_SPOOL", tag, "ARM", "TOMAR", '{"version": %d}' % (spool.version + 1))

    def pausar(self, tag: str) -> None:
        spool = self.spool(tag)
        assert spool.version is not None
        self._set(spool, {"ocupado_por": "", "fecha_ocupacion": "", "version": spool.version + 1})
        self.backend.append_event("PAUSAR_SPOOL", tag, "ARM", "PAUSAR", '{"version": %d}' % (spool.version + 1))
