import uuid
from datetime import timezone
from typing import Any

import pytest

from orchestrator.domain.cells import SHEET_TIMEZONE, CellParseError
from orchestrator.domain.columns import ColumnMap
from orchestrator.domain.events import METADATA_COLUMNS, EventoTipo, MetadataEvent, Operacion
from orchestrator.migrations import event_type_registry, load_baseline, load_migrations
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.support.resource import rows


def test_evento_tipo_equals_the_registry_the_migration_specs_build() -> None:
    # One source of truth: the specs. Two diverging copies once dropped TOMAR events for days.
    registry = event_type_registry(load_baseline(), load_migrations())
    assert [e.value for e in EventoTipo] == registry


def test_the_real_example_row_parses() -> None:
    columns = ColumnMap(METADATA_COLUMNS)
    row = ["3c60609c-1b2a-4c1f-9f0e-8d7c6b5a4f3e", "2026-01-28T16:56:25.026880Z", "INICIAR_ARM", "TEST-02", 93,
           "MR(93)", "ARM", "INICIAR", "28-01-2026", ""]
    event = MetadataEvent.from_row(columns, row, row_number=2)
    assert event.evento_tipo is EventoTipo.INICIAR_ARM and event.operacion is Operacion.ARM
    assert event.timestamp.tzinfo is timezone.utc and event.worker_id == 93
    assert event.fecha_operacion is not None and event.fecha_operacion.isoformat() == "2026-01-28"
    assert event.metadata_json is None


def test_metadata_columns_are_found_by_name_not_position() -> None:
    shuffled = list(reversed(METADATA_COLUMNS))
    row = ["", "28-01-2026", "PAUSAR", "SOLD", "JP(7)", 7, "MK-1335-CW-25238-011", "PAUSAR_SPOOL",
           "28-01-2026 10:00:00", "x"]
    event = MetadataEvent.from_row(ColumnMap(shuffled), row, row_number=9)
    assert event.evento_tipo is EventoTipo.PAUSAR_SPOOL and event.timestamp.tzinfo is SHEET_TIMEZONE


def test_an_unknown_event_type_is_an_error_naming_the_row() -> None:
    row = ["x", "28-01-2026 10:00:00", "TOMAR_SPOL", "T", 1, "", "", "", "", ""]
    with pytest.raises(CellParseError, match=r"Metadata row 5, column evento_tipo: unknown event type 'TOMAR_SPOL'"):
        MetadataEvent.from_row(ColumnMap(METADATA_COLUMNS), row, row_number=5)


def test_every_generated_event_parses_in_both_timestamp_formats() -> None:
    resource: dict[str, Any] = build_workbook(WorkbookOptions(spools=400, seed=3))
    header, *data = rows(resource, "Metadata")
    events = [MetadataEvent.from_row(ColumnMap(header), r, row_number=i + 2) for i, r in enumerate(data)]
    zones = {e.timestamp.tzinfo for e in events}
    assert zones == {timezone.utc, SHEET_TIMEZONE}
    assert all(uuid.UUID(e.id).version == 4 for e in events)
    assert any(e.metadata_json for e in events)
