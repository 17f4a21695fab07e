"""applyMigration on generated v2.1 workbooks: what it adds, what it leaves alone, when it refuses."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.domain.columns import column_letter
from orchestrator.migrations import event_type_registry, load_baseline, load_migrations
from orchestrator.workbook import Variant
from tests.bridge.conftest import v30
from tests.bridge.helpers import V30_COLUMNS, apply, expected_headers, history, region
from tests.support.live import BridgeError, Live, op_id


def test_apply_adds_the_columns_once_at_the_end_and_changes_no_v21_cell(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=300)
    header = live.header(sid, "Operaciones")
    grid = live.grid(sid, "Operaciones")
    assert grid["columnCount"] == len(header)  # no spare column: the condition that broke production
    before = live.values(sid, "Operaciones", "FORMULA")

    result = apply(live, sid, v30())

    assert result["status"] == "applied" and result["schemaVersion"] == "3.0"
    assert live.header(sid, "Operaciones") == header + V30_COLUMNS
    assert live.grid(sid, "Operaciones")["columnCount"] == grid["columnCount"] + 3
    after = live.values(sid, "Operaciones", "FORMULA")
    assert region(after, len(header)) == region(before, len(header))  # every v2.1 cell, formulas included
    tag = header.index("TAG_SPOOL")
    versions = [(r[len(header) + 2] if len(r) > len(header) + 2 else "") for r in after[1:]]
    has_tag = [len(r) > tag and r[tag] != "" for r in after[1:]]
    assert [v == 0 for v in versions] == has_tag  # 0 exactly on rows with a TAG_SPOOL
    assert sum(has_tag) == 300 and len(after) - 1 > 300  # note rows without a TAG got nothing
    assert all(r[len(header):len(header) + 2] in ([], [""], ["", ""]) for r in after[1:])
    assert [c["name"] for c in result["columns"]] == V30_COLUMNS


def test_new_columns_are_tagged_and_event_types_registered(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=50)
    width = len(live.header(sid, "Operaciones"))
    apply(live, sid, v30())
    names = {m["location"]["dimensionRange"]["startIndex"]: m["metadataValue"] for m in live.metadata(sid, "zeues.column")}
    assert names == {width: "Ocupado_Por", width + 1: "Fecha_Ocupacion", width + 2: "version"}
    assert all(m["visibility"] == "DOCUMENT" for m in live.metadata(sid, "zeues.column"))
    assert {m["metadataValue"] for m in live.metadata(sid, "zeues.migration")} == {"3.0"}
    (registry,) = live.metadata(sid, "zeues.event_types")
    assert json.loads(registry["metadataValue"]) == event_type_registry(load_baseline(), load_migrations())
    (version,) = live.metadata(sid, "zeues.schema_version")
    assert version["metadataValue"] == "3.0"
    col = live.header(sid, "Metadata").index("evento_tipo")
    got = live.sheets.spreadsheets().get(spreadsheetId=sid, ranges=[f"Metadata!{column_letter(col)}2:{column_letter(col)}3"],
                                         fields="sheets.data.rowData.values.dataValidation").execute()
    rule = got["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]
    assert rule["condition"]["type"] == "ONE_OF_LIST" and rule.get("strict", False) is False
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]][-2:] == ["TOMAR_SPOOL", "PAUSAR_SPOOL"]
    (row,) = history(live, sid)
    assert (row["migration_id"], row["action"], row["status"]) == ("3.0", "apply", "applied")
    assert row["checksum"] == v30()["checksum"]


def test_second_apply_is_a_reported_no_op(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=50)
    apply(live, sid, v30())
    snapshot = live.snapshot(sid)
    again = apply(live, sid, v30())
    assert again["status"] == "already_applied" and "nothing to do" in again["message"]
    assert live.snapshot(sid) == snapshot


def test_changed_spec_of_an_applied_migration_is_refused(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    apply(live, sid, v30())
    edited = dict(v30(), checksum="sha256:" + "0" * 64)
    with pytest.raises(BridgeError) as err:
        apply(live, sid, edited)
    assert err.value.code == "ZEUES_CHECKSUM"


@pytest.mark.parametrize("variant", [Variant.TAG_ALIAS, Variant.INSERTED_COLUMN, Variant.UNACCENTED])
def test_apply_on_header_variants(live: Live, new_sheet: Callable[..., str], variant: Variant) -> None:
    sid = new_sheet(spools=40, variants=frozenset({variant}))
    header = live.header(sid, "Operaciones")
    apply(live, sid, v30())
    after = live.values(sid, "Operaciones")
    key = next(i for i, h in enumerate(header) if h.startswith("TAG_SPOOL"))
    version = len(header) + 2
    assert sum(1 for r in after[1:] if len(r) > version and r[version] == 0) == 40
    assert all(len(r) > version for r in after[1:] if len(r) > key and r[key])


def test_drift_after_planning_is_refused_and_changes_nothing(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    planned = expected_headers(live, sid)
    # A human inserts a column in the middle after the plan was made.
    sheet_id = live.sheet_id(sid, "Operaciones")
    live.batch_update(sid, [{"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                           "startIndex": 10, "endIndex": 11}}}])
    live.update(sid, "Operaciones!K1", [["Observaciones"]])
    snapshot = live.snapshot(sid)
    with pytest.raises(BridgeError) as err:
        live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migration": v30(),
                                    "expectedHeaders": planned})
    assert err.value.code == "ZEUES_DRIFT"
    assert '"Observaciones" appeared at K' in err.value.message and "moved" in err.value.message
    assert "zeues-migrate plan" in err.value.message
    assert live.snapshot(sid) == snapshot


def test_header_already_holding_a_new_name_is_refused(live: Live, new_sheet: Callable[..., str]) -> None:
    for spelling in ("version", "VERSION", "version "):
        sid = new_sheet(spools=10)
        width = len(live.header(sid, "Operaciones"))
        live.batch_update(sid, [{"appendDimension": {"sheetId": live.sheet_id(sid, "Operaciones"),
                                                     "dimension": "COLUMNS", "length": 1}}])
        live.update(sid, f"Operaciones!{column_letter(width)}1", [[spelling]], option="RAW")
        snapshot = live.snapshot(sid)
        with pytest.raises(BridgeError) as err:
            apply(live, sid, v30())
        assert err.value.code == "ZEUES_CONFLICT" and "already has a column" in err.value.message
        assert live.snapshot(sid) == snapshot


def test_a_fault_inside_the_batch_update_leaves_the_workbook_identical(live: Live, emulator: Any,
                                                                         new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=100)
    snapshot = live.snapshot(sid)
    emulator.fault(path="batchUpdate", afterValidation=True, count=1)
    with pytest.raises(BridgeError) as err:
        apply(live, sid, v30())
    assert err.value.code == "ZEUES_FAILED" and "nothing was changed" in err.value.message
    assert live.snapshot(sid) == snapshot
    assert apply(live, sid, v30())["status"] == "applied"  # and it applies once the fault is gone


def test_two_applies_started_together_apply_exactly_once(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=200)
    headers = expected_headers(live, sid)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            outcomes.append(live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migration": v30(),
                                                        "expectedHeaders": headers}))
        except BridgeError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(o["status"] if isinstance(o, dict) else o.code for o in outcomes)
    assert statuses in (["already_applied", "applied"], ["ZEUES_LOCK_BUSY", "applied"])
    header = live.header(sid, "Operaciones")
    assert [h for h in header if h in V30_COLUMNS] == V30_COLUMNS
    assert [r["action"] for r in history(live, sid)] == ["apply"]


def test_a_repeated_op_id_returns_the_first_result_without_acting(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    request = {"opId": op_id(), "spreadsheetId": sid, "migration": v30(), "expectedHeaders": expected_headers(live, sid)}
    first = live.run("applyMigration", request)
    second = live.run("applyMigration", request)
    assert second.pop("replayed") is True and second == first
    assert len(history(live, sid)) == 1


def test_a_busy_lock_gives_the_stable_busy_error(live: Live, emulator: Any, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    emulator.fault(path="batchUpdate", latencyMs=4000, count=1)  # the apply holds the lock ~4 s in its batchUpdate
    first: list[Any] = []
    runner = threading.Thread(target=lambda: first.append(apply(live, sid, v30())))
    runner.start()
    deadline = time.monotonic() + 30
    while not emulator.state().get("locks") and time.monotonic() < deadline:  # wait until it holds the lock
        time.sleep(0.05)
    with pytest.raises(BridgeError) as err:
        live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid, "lockWaitMs": 0})
    runner.join()
    assert err.value.code == "ZEUES_LOCK_BUSY" and "retry" in err.value.message
    assert first[0]["status"] == "applied"


def test_cell_limit_is_checked_before_anything_changes(live: Live, emulator: Any) -> None:
    from orchestrator.workbook import WorkbookOptions, build_workbook

    resource = build_workbook(WorkbookOptions(spools=20))
    ops = resource["sheets"][0]["properties"]["gridProperties"]
    others = sum(s["properties"]["gridProperties"]["rowCount"] * s["properties"]["gridProperties"]["columnCount"]
                 for s in resource["sheets"][1:])
    ops["rowCount"] = (10_000_000 - others) // ops["columnCount"] - 10  # just under the limit
    sid = emulator.create_spreadsheet(resource)
    snapshot_grid = live.grid(sid, "Operaciones")
    with pytest.raises(BridgeError) as err:
        apply(live, sid, v30())
    assert err.value.code == "ZEUES_CELL_LIMIT" and "10000000" in err.value.message
    assert live.grid(sid, "Operaciones") == snapshot_grid


def test_hold_makes_apply_refuse(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    assert live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": True, "reason": "inventory"})[
        "status"] == "held"
    with pytest.raises(BridgeError) as err:
        apply(live, sid, v30())
    assert err.value.code == "ZEUES_HOLD" and "inventory" in err.value.message
    live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": False})
    assert apply(live, sid, v30())["status"] == "applied"


def test_describe_and_bridge_info(live: Live, new_sheet: Callable[..., str]) -> None:
    from orchestrator.codegen import bridge_build_hash

    info = live.run("bridgeInfo")
    assert info["buildHash"] == bridge_build_hash()
    assert [m["id"] for m in info["migrations"]] == ["3.0"]
    sid = new_sheet(spools=10)
    before = live.run("describeSchema", {"spreadsheetId": sid})
    assert before["schemaVersion"] is None and before["applied"] == [] and before["hold"] is None
    apply(live, sid, v30())
    after = live.run("describeSchema", {"spreadsheetId": sid})
    assert after["schemaVersion"] == "3.0" and [a["id"] for a in after["applied"]] == ["3.0"]
    assert {t["name"] for t in after["columnTags"]} == set(V30_COLUMNS)
    assert after["cellCount"] > before["cellCount"]
