"""rollbackMigration keeps every write made since the migration; restoreBackup brings a backup back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.domain.columns import column_letter
from tests.bridge.conftest import fixture_migration, v30
from tests.bridge.helpers import HISTORY, V30_COLUMNS, apply, history, region, without
from tests.support.live import BridgeError, Live, op_id


def backup(live: Live, sid: str) -> dict[str, Any]:
    return live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid, "label": "test"})  # type: ignore[no-any-return]


def rollback(live: Live, sid: str, migration_id: str) -> dict[str, Any]:
    return live.run("rollbackMigration", {"opId": op_id(), "spreadsheetId": sid,  # type: ignore[no-any-return]
                                          "migrationId": migration_id})


def test_rollback_keeps_every_v21_write_and_archives_exactly_the_v30_values(live: Live,
                                                                            new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=200)
    v21_header = live.header(sid, "Operaciones")
    grid_before = live.grid(sid, "Operaciones")
    apply(live, sid, v30())
    width = len(v21_header)
    armador = column_letter(v21_header.index("Armador"))
    fecha = column_letter(v21_header.index("Fecha_Armado"))
    ocupado, fecha_ocup, version = (column_letter(width + i) for i in range(3))
    # v2.1 writes after the migration (the backend kept running) ...
    live.update(sid, f"Operaciones!{armador}5", [["JP(7)"]])
    live.update(sid, f"Operaciones!{fecha}6", [["28-01-2026"]])
    live.append(sid, "Metadata!A1", [["uuid-1", "28-01-2026 10:00:00", "INICIAR_ARM", "TEST-02", 7, "JP(7)", "ARM",
                                      "INICIAR", "28-01-2026", ""]])
    # ... and v3.0 writes.
    live.update(sid, f"Operaciones!{ocupado}3:{version}3", [["MR(93)", "28-01-2026 16:56:25", 1]])
    live.update(sid, f"Operaciones!{ocupado}9", [["JP(7)"]], option="RAW")
    live.update(sid, f"Operaciones!{version}10", [["=1+1"]])
    before = live.values(sid, "Operaciones", "FORMULA")
    metadata_before = live.values(sid, "Metadata", "FORMULA")
    v30_cells = {(i + 2, j): r[width + j] for i, r in enumerate(before[1:]) for j in range(3)
                 if len(r) > width + j and r[width + j] != ""}

    result = rollback(live, sid, "3.0")

    assert result["status"] == "rolled_back"
    assert live.header(sid, "Operaciones") == v21_header
    assert live.grid(sid, "Operaciones")["columnCount"] == grid_before["columnCount"]
    assert region(live.values(sid, "Operaciones", "FORMULA"), width) == region(before, width)
    assert live.values(sid, "Metadata", "FORMULA") == metadata_before
    archive = live.values(sid, f"'{result['archiveSheet']}'!A1:Z", "FORMULA")
    assert archive[0] == ["sheet", "row", "key", *V30_COLUMNS]
    archived = {(r[1], j): r[3 + j] for r in archive[1:] for j in range(3) if len(r) > 3 + j and r[3 + j] != ""}
    assert archived == v30_cells  # exactly what the columns held, formulas as their text
    assert len(archived) == result["archivedCells"]
    tags = {r[1]: r[2] for r in archive[1:]}
    tag_col = v21_header.index("TAG_SPOOL")
    assert all(before[row - 1][tag_col] == tag for row, tag in tags.items())
    assert live.metadata(sid, "zeues.column") == [] and live.metadata(sid, "zeues.event_types") == []
    assert live.metadata(sid, "zeues.schema_version") == []  # back to the never-migrated state
    assert [r["action"] for r in history(live, sid)] == ["apply", "rollback"]


def test_rollback_twice_is_a_no_op_and_unknown_migration_is_refused(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    with pytest.raises(BridgeError) as err:
        rollback(live, sid, "3.0")
    assert err.value.code == "ZEUES_NOT_FOUND"
    apply(live, sid, v30())
    rollback(live, sid, "3.0")
    assert rollback(live, sid, "3.0")["status"] == "already_rolled_back"
    assert apply(live, sid, v30())["status"] == "applied"  # and it can be applied again


def test_rollback_refuses_when_tags_and_header_disagree(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    width = len(live.header(sid, "Operaciones"))
    apply(live, sid, v30())
    live.update(sid, f"Operaciones!{column_letter(width)}1", [["Ocupado"]], option="RAW")  # renamed by a human
    snapshot = live.snapshot(sid)
    with pytest.raises(BridgeError) as err:
        rollback(live, sid, "3.0")
    assert err.value.code == "ZEUES_CONFLICT"
    assert 'tagged "Ocupado_Por" but its header reads "Ocupado"' in err.value.message
    assert live.snapshot(sid) == snapshot


def test_a_second_migration_applies_and_rolls_back_through_the_same_code(live: Live,
                                                                          new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=50)
    v21 = live.header(sid, "Operaciones")
    apply(live, sid, v30())
    apply(live, sid, fixture_migration("3.1.json"))
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS + ["Estado_Detalle"]
    with pytest.raises(BridgeError) as err:
        rollback(live, sid, "3.0")
    assert err.value.code == "ZEUES_ORDER" and "roll back 3.1 first" in err.value.message
    rollback(live, sid, "3.1")
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert live.metadata(sid, "zeues.schema_version")[0]["metadataValue"] == "3.0"
    apply(live, sid, fixture_migration("3.2.json"))
    assert live.header(sid, "Operaciones")[-5:] == ["Total_Uniones", "Uniones_ARM_Completadas",
                                                    "Uniones_SOLD_Completadas", "Pulgadas_ARM", "Pulgadas_SOLD"]
    assert "N_UNION" in live.metadata(sid, "zeues.event_types")[0]["metadataValue"]
    rollback(live, sid, "3.2")
    registry = live.metadata(sid, "zeues.event_types")[0]["metadataValue"]
    assert "N_UNION" not in registry and "TOMAR_SPOOL" in registry  # 3.0's types stay registered
    rollback(live, sid, "3.0")
    assert live.header(sid, "Operaciones") == v21


def test_restore_without_force_only_reports_and_with_force_brings_the_backup_back(
        live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=80)
    made = backup(live, sid)
    assert made["backupId"] != sid and " — backup test " in made["name"]
    saved = live.snapshot(made["backupId"])
    apply(live, sid, v30())
    live.update(sid, "Operaciones!B2", [["999"]])
    changed = live.snapshot(sid)

    report = live.run("restoreBackup", {"opId": op_id(), "spreadsheetId": sid, "backupId": made["backupId"]})
    assert report["status"] == "dry_run" and report["cellsDiffering"] > 80
    assert live.snapshot(sid) == changed

    done = live.run("restoreBackup", {"opId": op_id(), "spreadsheetId": sid, "backupId": made["backupId"],
                                      "force": True})
    assert done["status"] == "restored" and done["cellsDiffering"] == report["cellsDiffering"]
    restored = live.snapshot(sid)
    assert restored["spreadsheetId"] == sid
    strip = lambda snap: [  # noqa: E731
        {k: v for k, v in s.items() if k != "properties"} | {"grid": s["properties"]["gridProperties"],
                                                              "title": s["properties"]["title"]}
        for s in without(snap, HISTORY)["sheets"]]
    assert strip(restored) == strip(saved)
    assert live.metadata(sid, "zeues.column") == [] and live.metadata(sid, "zeues.schema_version") == []
    assert [r["action"] for r in history(live, sid)] == ["backup", "apply", "restore"]


def test_restore_of_an_unknown_backup_is_refused(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=5)
    with pytest.raises(BridgeError) as err:
        live.run("restoreBackup", {"opId": op_id(), "spreadsheetId": sid, "backupId": "no-such-file", "force": True})
    assert err.value.code == "ZEUES_NOT_FOUND" and "zeues-migrate backups" in err.value.message
