"""The live structure is the truth, the history is evidence (issue 12, findings 7, 10 and 11): a forged `apply …
applied` row, a deleted history sheet, a deleted Metadata sheet and a hold whose metadata an editor deleted, each
over the real CLI and the real bridge on the emulator. Every refusal comes before any backup, names what
disagrees and the fix, and carries no JavaScript stack line; `zeues-migrate repair` rebuilds the history from
the sheet, after which apply and rollback work again."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.contract.metadata import MetaKey
from orchestrator.emulator import Emulator
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.contract.sheets import HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_migrations
from tests.hostile.conftest import Fingerprint, refused
from tests.support.cli import Cli
from tests.support.live import BridgeError, Live, op_id

V30_COLUMNS = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
FRAME = re.compile(r"^\s*at\s", re.MULTILINE)
FORGED_OP = "op-forged-by-an-editor-01"


def checksum_30() -> str:
    return next(m.checksum for m in load_migrations() if m.id == "3.0")


def history_rows(live: Live, sid: str) -> list[dict[str, str]]:
    values = live.values(sid, f"'{HISTORY_SHEET}'!A2:J")
    return [dict(zip(HISTORY_COLUMNS, [str(c) for c in row] + [""] * (len(HISTORY_COLUMNS) - len(row))))
            for row in values if any(str(c) for c in row)]


def forge_applied_row(live: Live, sid: str) -> None:
    """What an editor can do: type an `apply 3.0 applied` row (with the real checksum) into the history."""
    for hold in (True, False):  # the history sheet, as the bridge creates it
        live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": hold})
    row = ["3.0", checksum_30(), "apply", "applied", "2026-01-28T16:00:00Z", "2026-01-28T16:01:00Z",
           "editor@zeues.cl", "", FORGED_OP, "{}"]
    live.sheets.spreadsheets().values().append(spreadsheetId=sid, range=f"'{HISTORY_SHEET}'!A1",
                                               valueInputOption="RAW", body={"values": [row]}).execute()


def delete_sheet(live: Live, sid: str, title: str) -> None:
    live.batch_update(sid, [{"deleteSheet": {"sheetId": live.sheet_id(sid, title)}}])


def no_frame(message: str) -> str:
    assert not FRAME.search(message), f"a JavaScript stack line reached the user: {message}"
    return message


def applied_30(cli: Cli, sid: str) -> None:
    run = cli("apply", "--execute", "--yes", sid=sid)
    assert run.code == 0 and run.result["runs"][0]["status"] == "applied", (run.code, run.doc)


# -- finding 7: a forged history row --------------------------------------------------------------------------


def test_a_forged_applied_row_is_refused_then_repaired(cli: Cli, live: Live, observe: Fingerprint,
                                                      new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    v21 = live.header(sid, "Operaciones")
    forge_applied_row(live, sid)
    before = observe(sid)

    apply = cli("apply", "--execute", "--yes", sid=sid)
    message = refused(apply, ExitCode.NEEDS_ATTENTION, "INCONSISTENT", "records 3.0 as applied", FORGED_OP,
                      "none of its columns", "zeues-migrate repair", "nothing was changed")
    no_frame(message)
    check = cli("status", "--check", sid=sid)
    refused(check, ExitCode.NEEDS_ATTENTION, "INCONSISTENT", "records 3.0 as applied", "zeues-migrate repair")
    status = cli("status", sid=sid)  # without --check: shown, not an error
    assert status.code == 0 and status.result["inconsistencies"], status.doc
    assert observe(sid) == before  # nothing changed, no backup made

    dry = cli("repair", sid=sid)
    assert dry.code == 0 and dry.result["dryRun"] is True, dry.doc
    assert dry.result["recorded"] == [{"migrationId": "3.0", "status": "not_applied", "superseded": [4]}], dry.result
    text = cli("repair", sid=sid, as_json=False)
    assert text.code == 0 and "record 3.0 as not applied" in text.stdout and "row(s) 4 superseded" in text.stdout
    assert "add --execute" in text.stdout, text.stdout
    assert observe(sid) == before  # a dry run records nothing

    repaired = cli("repair", "--execute", "--yes", "--note", "forged row found", sid=sid)
    assert repaired.code == 0 and repaired.result["status"] == "repaired", repaired.doc
    rows = history_rows(live, sid)
    forged = next(r for r in rows if r["operation_id"] == FORGED_OP)
    # Marked, not deleted: every other cell of the evidence is as the editor typed it.
    assert forged["status"] == "superseded" and forged["who"] == "editor@zeues.cl" and forged["action"] == "apply"
    assert [(r["action"], r["migration_id"], r["status"]) for r in rows[-2:]] == [
        ("repair", "3.0", "not_applied"), ("repair", "", "done")]

    assert cli("status", "--check", sid=sid).code == int(ExitCode.PENDING)  # 3.0 pending, as the sheet shows
    applied_30(cli, sid)
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    again = cli("repair", "--execute", "--yes", sid=sid)
    assert again.code == 0 and again.result["status"] == "nothing_to_repair", again.doc


# -- finding 11: the history sheet deleted after an apply -----------------------------------------------------


def test_a_deleted_history_is_rebuilt_and_rollback_works_again(cli: Cli, live: Live, observe: Fingerprint,
                                                               new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    v21 = live.header(sid, "Operaciones")
    applied_30(cli, sid)
    delete_sheet(live, sid, HISTORY_SHEET)
    before = observe(sid)

    rollback = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    no_frame(refused(rollback, ExitCode.NEEDS_ATTENTION, "INCONSISTENT", "3.0's columns",
                     "does not record it as applied", "zeues-migrate repair"))
    apply = cli("apply", "--execute", "--yes", sid=sid)  # not a CONFLICT on "already has a column"
    refused(apply, ExitCode.NEEDS_ATTENTION, "INCONSISTENT", "zeues-migrate repair")
    assert observe(sid) == before

    repaired = cli("repair", "--execute", "--yes", sid=sid)
    assert repaired.code == 0 and repaired.result["historySheetCreated"] is True, repaired.doc
    recorded = repaired.result["recorded"]
    assert [(r["migrationId"], r["status"]) for r in recorded] == [("3.0", "applied")]
    assert [c["name"] for c in recorded[0]["columns"]] == V30_COLUMNS
    rows = history_rows(live, sid)
    assert [(r["action"], r["migration_id"], r["status"], r["checksum"]) for r in rows] == [
        ("repair", "3.0", "applied", checksum_30()), ("repair", "", "done", "")]
    assert cli("status", "--check", sid=sid).code == 0  # consistent, nothing pending

    rolled = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert rolled.code == 0 and rolled.result["status"] == "rolled_back", (rolled.code, rolled.doc)
    assert live.header(sid, "Operaciones") == v21
    assert not live.metadata(sid, MetaKey.COLUMN) and not live.metadata(sid, MetaKey.SCHEMA_VERSION)
    rerun = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert rerun.code == 0 and rerun.result["status"] == "already_rolled_back", rerun.doc


# -- finding 11: the Metadata sheet deleted after an apply ----------------------------------------------------


def test_a_deleted_metadata_sheet_refuses_the_rollback_before_any_backup(
        cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    applied_30(cli, sid)
    delete_sheet(live, sid, "Metadata")
    before = observe(sid)
    rollback = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    no_frame(refused(rollback, ExitCode.NEEDS_ATTENTION, "INCONSISTENT", "sheet 'Metadata'", "is gone",
                     "zeues-migrate backups", "nothing was changed"))
    assert observe(sid) == before  # refused before the backup: no copy in Drive
    # No history can record half a migration: repair refuses and says what to do instead.
    repair = cli("repair", "--execute", "--yes", sid=sid)
    no_frame(refused(repair, ExitCode.NEEDS_ATTENTION, "INCONSISTENT", "cannot rebuild", "zeues-migrate restore"))
    assert observe(sid) == before


# -- the bridge keeps the same rules on its own (the menu's path; Structure.js refuseInconsistent_) -------------


def test_the_bridge_refuses_an_apply_over_a_forged_history(live: Live, observe: Fingerprint,
                                                           new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    forge_applied_row(live, sid)
    described = live.run("describeSchema", {"spreadsheetId": sid})
    assert [(p["migrationId"], p["kind"]) for p in described["inconsistencies"]] == [("3.0", "recorded_absent")]
    before = observe(sid)
    with pytest.raises(BridgeError) as bridge:
        live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"})
    assert bridge.value.code == "ZEUES_INCONSISTENT", bridge.value.message
    for words in ("records 3.0 as applied", FORGED_OP, "zeues-migrate repair", "nothing was changed"):
        assert words in bridge.value.message, bridge.value.message
    assert observe(sid) == before


def test_the_bridge_refuses_a_rollback_whose_metadata_sheet_is_gone(cli: Cli, live: Live, observe: Fingerprint,
                                                                    new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    applied_30(cli, sid)
    delete_sheet(live, sid, "Metadata")
    before = observe(sid)
    with pytest.raises(BridgeError) as bridge:
        live.run("rollbackMigration", {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"})
    assert bridge.value.code == "ZEUES_INCONSISTENT" and 'sheet "Metadata"' in bridge.value.message, bridge.value
    no_frame(bridge.value.message)
    assert observe(sid) == before


def test_repair_records_what_the_bridge_reads_back(live: Live, new_sheet: Callable[..., str]) -> None:
    """The bridge's repairHistory on its own: a lost history rebuilt with the apply's result (columns by tag, event
    types, schema versions), which the bridge's rollback reads back."""
    sid = new_sheet()
    live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"})
    original = next(r for r in history_rows(live, sid) if r["action"] == "apply")
    delete_sheet(live, sid, HISTORY_SHEET)
    opid = op_id()
    result = live.run("repairHistory", {"opId": opid, "spreadsheetId": sid})
    assert result["status"] == "repaired" and result["applied"] == ["3.0"], result
    assert live.run("repairHistory", {"opId": opid, "spreadsheetId": sid})["replayed"] is True
    rebuilt = json.loads(next(r for r in history_rows(live, sid) if r["status"] == "applied")["details"])["result"]
    recorded = json.loads(original["details"])["result"]
    for key in ("migrationId", "checksum", "registeredEventTypes", "eventTypeColumn", "schemaVersion",
                "previousSchemaVersion"):
        assert rebuilt[key] == recorded[key], key
    assert [(c["sheet"], c["name"], c["column"], c["keyColumn"]) for c in rebuilt["columns"]] == [
        (c["sheet"], c["name"], c["column"], c["keyColumn"]) for c in recorded["columns"]]
    rolled = live.run("rollbackMigration", {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"})
    assert rolled["status"] == "rolled_back" and [c["name"] for c in rolled["removedColumns"]] == V30_COLUMNS


def test_a_repair_whose_reply_was_lost_records_once(cli: Cli, live: Live, emulator: Emulator,
                                                    new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    applied_30(cli, sid)
    delete_sheet(live, sid, HISTORY_SHEET)
    emulator.script_control(loseReply=1, function="repairHistory")
    lost = cli("repair", "--execute", "--yes", sid=sid)
    assert lost.code == int(ExitCode.GOOGLE_UNAVAILABLE), (lost.code, lost.doc)
    again = cli("repair", "--execute", "--yes", sid=sid)
    assert again.code == 0 and again.result["status"] == "repaired" and again.result["replayed"] is True, again.doc
    assert [(r["action"], r["status"]) for r in history_rows(live, sid)] == [("repair", "applied"), ("repair", "done")]
    assert CheckpointStore(cli.checkpoints).in_flight(sid) == [], "no operation left in flight"


# -- finding 10: a hold whose metadata an editor deleted ------------------------------------------------------


def _hold_metadata(live: Live, sid: str) -> list[dict[str, Any]]:
    return live.metadata(sid, MetaKey.HOLD)


def test_a_hold_whose_metadata_was_deleted_still_holds(cli: Cli, live: Live, observe: Fingerprint,
                                                       new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    held = cli("hold", "--reason", "auditoría de fin de mes", sid=sid)
    assert held.code == 0 and held.result["status"] == "held", held.doc
    who = held.result["hold"]["by"]
    assert "@" in who  # recorded with who
    assert [(r["action"], r["status"], r["who"]) for r in history_rows(live, sid)] == [("hold", "done", who)]

    # Any editor can do this: one deleteDeveloperMetadata, no history row.
    [meta] = _hold_metadata(live, sid)
    live.batch_update(sid, [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
        "metadataId": meta["metadataId"]}}}}])
    before = observe(sid)

    apply = cli("apply", "--execute", "--yes", sid=sid)
    refused(apply, ExitCode.REFUSED, "HOLD", "paused", who, "deleted by hand", "zeues-migrate hold --release")
    status = cli("status", sid=sid)
    assert status.code == 0 and status.result["hold_tampered"] is True, status.doc
    assert status.result["hold"]["reason"] == "auditoría de fin de mes"
    with pytest.raises(BridgeError) as bridge:  # the bridge's own check (the menu's path)
        live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"})
    assert bridge.value.code == "ZEUES_HOLD"
    described = live.run("describeSchema", {"spreadsheetId": sid})
    assert described["hold"]["tampered"] is True and described["hold"]["by"] == who
    assert observe(sid) == before

    released = cli("hold", "--release", sid=sid)
    assert released.code == 0 and released.result["status"] == "released", released.doc
    assert [(r["action"], r["who"]) for r in history_rows(live, sid)] == [("hold", who), ("release", who)]
    assert cli("status", sid=sid).result["hold"] is None
    applied_30(cli, sid)
