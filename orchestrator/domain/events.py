"""The Metadata event log: event types and one parsed event row.

`EventoTipo` is written out for type checkers, but it is not a second source of truth: a test compares it
with the event-type registry the migration specs build (baseline + every `register_event_types`), because
two diverging copies of this enum once dropped TOMAR events silently for days (zeues-sheet.md, failure 5).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from orchestrator.domain.cells import CellParseError, CellValue, parse_date, parse_int, parse_text, parse_timestamp
from orchestrator.domain.columns import ColumnMap


class EventoTipo(StrEnum):
    INICIAR_ARM = "INICIAR_ARM"
    COMPLETAR_ARM = "COMPLETAR_ARM"
    CANCELAR_ARM = "CANCELAR_ARM"
    INICIAR_SOLD = "INICIAR_SOLD"
    COMPLETAR_SOLD = "COMPLETAR_SOLD"
    CANCELAR_SOLD = "CANCELAR_SOLD"
    INICIAR_METROLOGIA = "INICIAR_METROLOGIA"
    COMPLETAR_METROLOGIA = "COMPLETAR_METROLOGIA"
    CANCELAR_METROLOGIA = "CANCELAR_METROLOGIA"
    # v3.0
    TOMAR_SPOOL = "TOMAR_SPOOL"
    PAUSAR_SPOOL = "PAUSAR_SPOOL"


class Operacion(StrEnum):
    ARM = "ARM"
    SOLD = "SOLD"
    METROLOGIA = "METROLOGIA"


METADATA_COLUMNS = (
    "id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre",
    "operacion", "accion", "fecha_operacion", "metadata_json",
)


class MetadataEvent(BaseModel):
    """One row of the append-only `Metadata` sheet."""

    model_config = ConfigDict(frozen=True)

    id: str
    timestamp: datetime  # always timezone-aware
    evento_tipo: EventoTipo
    tag_spool: str
    worker_id: int | None
    worker_nombre: str | None
    operacion: Operacion | None
    accion: str | None
    fecha_operacion: date | None
    metadata_json: dict[str, Any] | None

    @classmethod
    def from_row(cls, columns: ColumnMap, row: Sequence[CellValue], *, row_number: int) -> MetadataEvent:
        """Parse one Metadata row located by header name; errors name the row and the column."""

        def cell(name: str) -> CellValue:
            i = columns.index(name)
            return row[i] if i < len(row) else None

        current = ""
        try:
            current = "evento_tipo"
            tipo_text = parse_text(cell("evento_tipo")) or ""
            try:
                tipo = EventoTipo(tipo_text)
            except ValueError:
                raise CellParseError(f"unknown event type {tipo_text!r}") from None
            current = "timestamp"
            timestamp = parse_timestamp(cell("timestamp"))
            current = "worker_id"
            worker_id = parse_int(cell("worker_id"), what="worker id")
            current = "operacion"
            operacion_text = parse_text(cell("operacion"))
            current = "fecha_operacion"
            fecha = parse_date(cell("fecha_operacion"))
            current = "metadata_json"
            raw_json = parse_text(cell("metadata_json"))
            payload = json.loads(raw_json) if raw_json else None
            if payload is not None and not isinstance(payload, dict):
                raise CellParseError("metadata_json is not a JSON object")
            current = "operacion"
            operacion = Operacion(operacion_text) if operacion_text else None
        except (CellParseError, ValueError) as exc:
            raise CellParseError(f"Metadata row {row_number}, column {current}: {exc}") from None
        return cls(
            id=parse_text(cell("id")) or "",
            timestamp=timestamp,
            evento_tipo=tipo,
            tag_spool=parse_text(cell("tag_spool")) or "",
            worker_id=worker_id,
            worker_nombre=parse_text(cell("worker_nombre")),
            operacion=operacion,
            accion=parse_text(cell("accion")),
            fecha_operacion=fecha,
            metadata_json=payload,
        )
