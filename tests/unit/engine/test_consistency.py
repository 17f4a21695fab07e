"""The live structure against the history (engine/preflight.py check_consistency, the rules of the bridge's
Structure.js), the history's reading of repair rows, and a hold only the history still records
(engine/state.py)."""

from __future__ import annotations

import json

from orchestrator.contract.errors import ErrorCode
from orchestrator.engine.preflight import check_apply, check_consistency, live_migration
from orchestrator.engine.state import ColumnTag, HistoryRow, LiveState, SheetInfo, tampered_hold
from orchestrator.migrations import load_migrations

V30 = next(m for m in load_migrations() if m.id == "3.0")
V21 = ["id", "TAG_SPOOL", "Fecha_Armado", "Precio Total"]
V30_COLUMNS = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
V30_TYPES = [t for op in V30.operations for t in getattr(op, "event_types", [])]
BASE_TYPES = ["INICIAR_ARM", "COMPLETAR_ARM"]


def row(action: str, status: str, migration: str = "3.0", op: str = "op-00000001", details: object = None,
        who: str = "ana@zeues.cl") -> HistoryRow:
    return HistoryRow(migration_id=migration, checksum=V30.checksum, action=action, status=status,
                      started_at="2026-01-28T16:00:00Z", finished_at="2026-01-28T16:01:00Z", who=who, backup_id="",
                      operation_id=op, details=json.dumps(details or {}))


def live(*, applied: bool, history: list[HistoryRow], schema: str | None = "3.0", metadata_sheet: bool = True,
         rename: str | None = None, drop_tag: str | None = None, hold: dict[str, object] | None = None) -> LiveState:
    header = V21 + (V30_COLUMNS if applied else [])
    if rename:
        header = [rename + "_x" if h == rename else h for h in header]
    sheets = [SheetInfo(sheet_id=0, title="Operaciones", index=0, hidden=False, row_count=50,
                        column_count=len(header), frozen_rows=1, header=header)]
    if metadata_sheet:
        sheets.append(SheetInfo(sheet_id=1, title="Metadata", index=1, hidden=False, row_count=50, column_count=3,
                                frozen_rows=1, header=["id", "TAG_SPOOL", "evento_tipo"]))
    tags = [ColumnTag(sheet="Operaciones", column=len(V21) + i, name=n, migration="3.0")
            for i, n in enumerate(V30_COLUMNS) if applied and n != drop_tag]
    return LiveState(spreadsheet_id="s", title="ZEUES", time_zone="UTC", sheets=sheets,
                     schema_version=schema if applied else None,
                     event_types=BASE_TYPES + V30_TYPES if applied else None, hold=hold, tags=tags, history=history)


APPLIED = [row("apply", "applied")]


def codes(state: LiveState, rolling_back: str | None = None) -> list[str]:
    found = check_consistency(state, [V30], rolling_back=rolling_back)
    assert all(f.code == ErrorCode.INCONSISTENT and "nothing was changed" in f.message for f in found)
    return [f.message for f in found]


def test_an_applied_migration_the_history_records_is_consistent() -> None:
    assert codes(live(applied=True, history=APPLIED)) == []
    assert codes(live(applied=False, history=[])) == []
    assert codes(live(applied=False, history=APPLIED + [row("rollback", "rolled_back", op="op-00000002")])) == []


def test_a_forged_applied_row_is_inconsistent_and_not_already_applied() -> None:
    state = live(applied=False, history=[row("apply", "applied", op="op-forged-01", who="editor@zeues.cl")])
    [message] = codes(state)
    assert "records 3.0 as applied" in message and "op-forged-01" in message and "zeues-migrate repair" in message
    findings = check_apply(state, V30)
    assert [f.code for f in findings] == [ErrorCode.INCONSISTENT]  # not ALREADY_APPLIED


def test_a_lost_history_is_inconsistent() -> None:
    [message] = codes(live(applied=True, history=[]))
    assert "does not record it as applied" in message and "zeues-migrate repair" in message


def test_half_a_migration_names_what_is_missing_and_the_way_back() -> None:
    [renamed] = codes(live(applied=True, history=APPLIED, rename="version"))
    assert "half" in renamed and "its header reads 'version_x'" in renamed and "zeues-migrate restore" in renamed
    [untagged] = codes(live(applied=True, history=APPLIED, drop_tag="Fecha_Ocupacion"))
    assert "'Fecha_Ocupacion' at" in untagged and "has no 3.0 tag" in untagged
    [gone] = codes(live(applied=True, history=APPLIED, metadata_sheet=False))
    assert "sheet 'Metadata'" in gone and "is gone" in gone


def test_a_rollback_leaves_its_own_columns_to_its_own_check_but_not_a_lost_event_sheet() -> None:
    assert codes(live(applied=True, history=APPLIED, rename="version"), rolling_back="3.0") == []
    assert len(codes(live(applied=True, history=APPLIED, metadata_sheet=False), rolling_back="3.0")) == 1


def test_a_wrong_schema_version_is_inconsistent() -> None:
    [message] = codes(live(applied=True, history=APPLIED, schema=None))
    assert "schema version" in message and "missing" in message and "3.0 applied" in message


def test_a_human_column_with_a_new_name_is_a_conflict_not_an_inconsistency() -> None:
    state = live(applied=False, history=[])
    state = state.model_copy(update={"sheets": [state.sheets[0].model_copy(update={
        "header": V21 + ["Ocupado_Por"]}), *state.sheets[1:]]})
    assert live_migration(state, V30).state == "absent" and codes(state) == []
    assert [f.code for f in check_apply(state, V30) if f.level == "error"] == ["CONFLICT"]


def test_repair_rows_count_as_their_status_says() -> None:
    repaired = [row("apply", "superseded", op="op-forged-01"), row("repair", "not_applied", op="op-repair-1")]
    assert live(applied=False, history=repaired).applied() == []
    rebuilt = live(applied=True, history=[row("repair", "applied", op="op-repair-2")])
    assert [r.migration_id for r in rebuilt.applied()] == ["3.0"] and codes(rebuilt) == []
    rolled = rebuilt.history + [row("rollback", "rolled_back", op="op-00000003")]
    state = live(applied=False, history=rolled)
    assert state.applied() == [] and state.ever_applied("3.0")


def test_a_hold_only_the_history_records_still_holds() -> None:
    held = row("hold", "done", migration="", details={"result": {"status": "held", "hold": {
        "by": "owner@zeues.cl", "at": "2026-01-28T16:00:00Z", "reason": "cierre"}}})
    assert tampered_hold([held]) == {"by": "owner@zeues.cl", "at": "2026-01-28T16:00:00Z", "reason": "cierre",
                                     "tampered": True}
    assert tampered_hold([held, row("release", "done", migration="", op="op-00000002")]) is None
    broken = held.model_copy(update={"details": "{not json"})  # details edited by hand: the row still holds
    assert tampered_hold([broken]) == {"by": "ana@zeues.cl", "at": "2026-01-28T16:01:00Z", "reason": "",
                                       "tampered": True}
    state = live(applied=False, history=[held], hold=tampered_hold([held]))
    assert state.hold_tampered
    [hold] = [f for f in check_apply(state, V30) if f.code == "HOLD"]
    assert "deleted by hand" in hold.message and "owner@zeues.cl" in hold.message


def test_a_restore_that_says_what_its_backup_had_applied_resets_the_applied_set() -> None:
    apply_row = row("apply", "applied")
    restored = row("restore", "restored", migration="", op="op-restore-1", details={"result": {
        "status": "restored", "applied": []}})
    assert live(applied=False, history=[apply_row, restored]).applied() == []
    back = restored.model_copy(update={"details": json.dumps({"result": {"status": "restored", "applied": ["3.0"]}})})
    assert live(applied=True, history=[apply_row, back]).applied() == [apply_row]
    silent = restored.model_copy(update={"details": "{}"})  # a restore row that does not say: nothing changes
    assert live(applied=True, history=[apply_row, silent]).applied() == [apply_row]
