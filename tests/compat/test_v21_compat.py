"""v2.1 keeps working: the v2.1 backend's operations, done with gspread on the same workbook before the
migration, after it (applied by `zeues-migrate apply` with the real bridge) and after `zeues-migrate rollback`,
give the same answers and write the same cells. The v2.1-mode reader parses identical spools before and after;
the v3.0-mode reader refuses before, works after. After the migration a v3.0 writer records TOMAR_SPOOL /
PAUSAR_SPOOL and occupation, and both read back; the rollback archives them and v2.1 goes on as before."""

from __future__ import annotations

import json
from datetime import date, datetime
from collections.abc import Callable
from typing import Any

import gspread
import pytest
from gspread.utils import ValueRenderOption, rowcol_to_a1

from orchestrator.contract.metadata import MetaKey
from orchestrator.domain.cells import SHEET_TIMEZONE, WorkerRef
from orchestrator.domain.columns import ColumnMap, HeaderError, column_letter
from orchestrator.domain.events import EventoTipo, Operacion
from orchestrator.domain.schema_mode import SchemaMode
from orchestrator.domain.spool import V21_COLUMNS, V30_COLUMNS, EstadoOcupacion, Spool, SpoolWriter
from orchestrator.emulator import Emulator
from orchestrator.migrations import event_type_registry, load_baseline, load_migrations
from orchestrator.workbook import Variant, WorkbookOptions, build_workbook
from tests.compat.backends import FECHA, WORKER, V21Backend, V30Writer, Written
from tests.support.cli import Cli
from tests.support.live import Live

SPOOLS = 120  # more than 97, so a human note row without TAG_SPOOL sits between spools
SERIAL_28_01_2026 = 46050


def pick(spools: list[Spool], rows: list[list[Any]], count: int) -> list[str]:
    """Spools nobody has started (no Armador, Soldador or dates) whose column A (`id`) is empty: finding them by
    column A would fail, only the TAG_SPOOL column finds them."""
    header = ColumnMap([str(h) for h in rows[0]])
    id_col = header.index("id")
    fresh = [s.tag_spool for s in spools
             if s.armador is None and s.soldador is None and s.fecha_armado is None and s.fecha_soldadura is None
             and (id_col >= len(rows[s.row_number - 1]) or rows[s.row_number - 1][id_col] in ("", None))]
    assert len(fresh) >= count, fresh
    return fresh[:count]


def one_cell(backend: V21Backend, action: Callable[[], Written]) -> Written:
    """Run a v2.1 action and check it changed exactly one cell of Operaciones: the one it reports."""
    before = backend.ops.get_all_values(value_render_option=ValueRenderOption.formula)
    written = action()
    after = backend.ops.get_all_values(value_render_option=ValueRenderOption.formula)
    changed = [rowcol_to_a1(r + 1, c + 1) for r in range(max(len(before), len(after)))
               for c in range(max(len(before[0]), len(after[0])))
               if cell(before, r, c) != cell(after, r, c)]
    assert changed == [written.a1], (changed, written)
    return written


def cell(rows: list[list[Any]], r: int, c: int) -> Any:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


def v21_session(backend: V21Backend, a: str, b: str, probes: list[str]) -> dict[str, Any]:
    """Everything the v2.1 backend reads and writes in one working session, and what it saw. Ends with the two
    spools it touched back as they were (cells empty), so the next session starts from the same cells."""
    columns = backend.columns()
    seen: dict[str, Any] = {
        "positions": {name: column_letter(columns.index(name)) for name in V21_COLUMNS.values()},
        "spools": backend.spools(),
        "records": backend.records(),
        "found": {tag: backend.find(tag) for tag in probes},
    }
    seen["writes"] = [one_cell(backend, lambda: backend.iniciar(a, "ARM")),
                      one_cell(backend, lambda: backend.completar(a, "ARM")),
                      one_cell(backend, lambda: backend.iniciar(b, "SOLD")),
                      one_cell(backend, lambda: backend.cancelar(b, "SOLD"))]
    seen["a_after"] = next(s for s in backend.spools() if s.tag_spool == a)
    seen["events"] = backend.last_events(4)
    # Undo the session (a CANCELAR clears the worker; the date is cleared the same way).
    backend.cancelar(a, "ARM")
    backend.clear(a, "Fecha_Armado")
    return seen


def check_session(seen: dict[str, Any], a: str, b: str) -> None:
    """What one session must see, whatever the phase."""
    assert seen["writes"][0] == Written(seen["writes"][0].a1, WORKER, WORKER)
    assert seen["writes"][0].a1.startswith(seen["positions"]["Armador"])
    assert seen["writes"][1].formatted == FECHA and seen["writes"][1].unformatted == SERIAL_28_01_2026
    assert seen["writes"][1].a1.startswith(seen["positions"]["Fecha_Armado"])
    assert seen["writes"][2].a1.startswith(seen["positions"]["Soldador"]) and seen["writes"][2].formatted == WORKER
    assert seen["writes"][3].a1 == seen["writes"][2].a1  # CANCELAR clears the cell INICIAR wrote
    assert not seen["writes"][3].formatted and not seen["writes"][3].unformatted
    spool_a = seen["a_after"]
    assert spool_a.armador == WorkerRef(raw=WORKER, initials="MR", worker_id=93)
    assert spool_a.fecha_armado == date(2026, 1, 28)
    assert spool_a.ocupado_por is None and spool_a.version is None  # v2.1 mode ignores the v3.0 columns
    tipos = [event.evento_tipo for _, event in seen["events"]]
    assert tipos == [EventoTipo.INICIAR_ARM, EventoTipo.COMPLETAR_ARM, EventoTipo.INICIAR_SOLD, EventoTipo.CANCELAR_SOLD]
    assert [event.tag_spool for _, event in seen["events"]] == [a, a, b, b]
    assert all(event.fecha_operacion == date(2026, 1, 28) and event.worker_id == 93 for _, event in seen["events"])


def without_variable(seen: dict[str, Any]) -> dict[str, Any]:
    """A session's answers, comparable across phases (the Metadata rows differ only in their random id, which
    `last_events` already left out, and in their row number)."""
    out = dict(seen)
    out["events"] = [(values, event.model_dump(exclude={"id"})) for values, event in seen["events"]]
    return out


def event_registry(live: Live, sid: str) -> list[str] | None:
    found = [m for m in live.metadata(sid, MetaKey.EVENT_TYPES) if m.get("location", {}).get("spreadsheet")]
    return json.loads(found[0]["metadataValue"]) if found else None


@pytest.mark.parametrize("variants", [frozenset(), frozenset({Variant.TAG_ALIAS}),
                                      frozenset({Variant.INSERTED_COLUMN, Variant.UNACCENTED})],
                         ids=["standard", "tag-alias", "inserted-column"])
def test_v21_before_after_and_after_rollback(emulator: Emulator, cli: Cli, live: Live,
                                             gspread_client: gspread.Client, variants: frozenset[Variant]) -> None:
    sid = emulator.create_spreadsheet(build_workbook(WorkbookOptions(spools=SPOOLS, seed=21, variants=variants)))
    backend = V21Backend(gspread_client.open_by_key(sid))
    rows = backend.rows()
    spools = backend.spools()
    # Spools are counted by TAG_SPOOL: every generated spool, and not the note row or the rows without an id.
    assert len(spools) == SPOOLS and len({s.tag_spool for s in spools}) == SPOOLS
    assert sum(1 for r in rows[1:] if r and r[0] not in ("", None)) < SPOOLS
    a, b, c = pick(spools, rows, 3)
    probes = [a, b, "TEST-01", spools[-1].tag_spool]

    # -- before: v2.1 works; v3.0 is refused, naming what is missing ----------------------------------------
    with pytest.raises(HeaderError) as refused:
        backend.spools(SchemaMode.V3_0)
    assert "missing v3.0 columns: Ocupado_Por, Fecha_Ocupacion, version" in str(refused.value)
    assert "zeues-migrate status" in str(refused.value)
    before = v21_session(backend, a, b, probes)
    check_session(before, a, b)

    # -- the migration, with the real bridge through the CLI ------------------------------------------------
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0 and applied.result["runs"][0]["status"] == "applied", applied.doc

    # The v2.1-mode reader parses identical spools; the v3.0-mode reader works: version 0, nobody holds any.
    assert backend.spools() == before["spools"]
    migrated = {s.tag_spool: s for s in backend.spools(SchemaMode.V3_0)}
    assert migrated.keys() == {s.tag_spool for s in spools}
    assert all(s.version == 0 and s.ocupado_por is None and s.fecha_ocupacion is None
               and s.estado_ocupacion is EstadoOcupacion.DISPONIBLE for s in migrated.values())
    after = v21_session(backend, a, b, probes)
    check_session(after, a, b)
    assert without_variable(after) == without_variable(before)  # same answers, same cells
    assert next(s for s in backend.spools(SchemaMode.V3_0) if s.tag_spool == a).version == 0  # v2.1 never touches v3.0

    # -- a v3.0 writer: TOMAR_SPOOL and PAUSAR_SPOOL, occupation, optimistic-lock version ------------------
    assert event_registry(live, sid) == event_type_registry(load_baseline(), load_migrations())
    assert set(EventoTipo) == set(event_type_registry(load_baseline(), load_migrations()))
    with pytest.raises(HeaderError, match="v3.0 column"):
        SpoolWriter(backend.ops.row_values(1), SchemaMode.V2_1).cell_range(migrated[c], "ocupado_por")
    v30 = V30Writer(backend)
    v30.tomar(c)
    held = v30.spool(c)
    assert held.ocupado_por == WORKER and held.version == 1 and held.estado_ocupacion is EstadoOcupacion.OCUPADO
    assert held.fecha_ocupacion == datetime(2026, 1, 28, 16, 56, 25, tzinfo=SHEET_TIMEZONE)
    assert next(s for s in backend.spools() if s.tag_spool == c) == migrated[c].model_copy(
        update={"ocupado_por": None, "fecha_ocupacion": None, "version": None})  # v2.1 sees no change
    v30.pausar(c)
    paused = v30.spool(c)
    assert paused.ocupado_por is None and paused.fecha_ocupacion is None and paused.version == 2
    assert paused.estado_ocupacion is EstadoOcupacion.DISPONIBLE
    (_, tomar), (_, pausar) = backend.last_events(2)
    assert (tomar.evento_tipo, pausar.evento_tipo) == (EventoTipo.TOMAR_SPOOL, EventoTipo.PAUSAR_SPOOL)
    assert (tomar.tag_spool, tomar.operacion, tomar.accion, tomar.metadata_json) == (c, Operacion.ARM, "TOMAR",
                                                                                     {"version": 1})
    assert pausar.metadata_json == {"version": 2}
    validation = live.sheets.spreadsheets().get(spreadsheetId=sid, ranges=["Metadata!C2"], includeGridData=True,
                                                fields="sheets.data.rowData.values.dataValidation").execute()
    listed = validation["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]["condition"]["values"]
    assert {"userEnteredValue": "TOMAR_SPOOL"} in listed and {"userEnteredValue": "PAUSAR_SPOOL"} in listed

    # -- rollback: v2.1 as before; the v3.0 values kept in the archive ------------------------------------
    rolled = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert rolled.code == 0 and rolled.result["status"] == "rolled_back", rolled.doc
    with pytest.raises(HeaderError, match="missing v3.0 columns"):
        backend.spools(SchemaMode.V3_0)
    assert backend.spools() == before["spools"]
    back = v21_session(backend, a, b, probes)
    check_session(back, a, b)
    assert without_variable(back) == without_variable(before)
    archive = backend.book.worksheet(rolled.result["bridge_result"]["archiveSheet"]).get_all_values(
        value_render_option=ValueRenderOption.unformatted)
    columns = ColumnMap([str(h) for h in archive[0]])
    held_row = next(r for r in archive[1:] if c in r)
    assert held_row[columns.index("version")] == 2 and all(name in columns for name in V30_COLUMNS.values())
    assert event_registry(live, sid) is None
