"""The read-only and small operations behind the CLI verbs: status, plan, history, holds, backups, verify."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orchestrator.contract.limits import CELL_LIMIT, MAX_LISTED
from orchestrator.domain.columns import column_letter
from orchestrator.engine.budget import CellBudget, apply_budget, apply_budgets
from orchestrator.engine.checkpoint import Action, CheckpointStore, VerifyRecord
from orchestrator.engine.findings import Finding, Refused, errors
from orchestrator.engine.preflight import (
    check_apply,
    check_consistency,
    known_migrations,
    live_migration,
    new_column_positions,
)
from orchestrator.engine.runs import check_bridge
from orchestrator.engine.state import LiveState, read_live_state
from orchestrator.engine.verify import VerifyReport, verify_sheet
from orchestrator.google import GoogleClients
from orchestrator.google.errors import ScriptError
from orchestrator.google.script import new_op_id
from orchestrator.migrations import bridge_payload
from orchestrator.migrations.spec import checksum_of
from orchestrator.migrations.spec import AddColumns, Baseline, Migration, RegisterEventTypes


class Status(BaseModel):
    spreadsheet_id: str
    title: str
    schema_version: str | None
    applied: list[dict[str, str]]
    pending: list[str]
    hold: dict[str, Any] | None
    unresolved_failure: dict[str, Any] | None
    in_flight: list[str]
    cell_count: int
    cell_limit: int = CELL_LIMIT
    cells_after_pending: CellBudget  # what applying every pending migration would leave (engine/budget.py)
    checksum_mismatches: list[str]
    last_verify: VerifyRecord | None = None  # the last `zeues-migrate verify` run from here, and its last pass
    # Where the history and the live structure disagree (engine/preflight.py check_consistency): every change
    # refuses while one is listed; `zeues-migrate repair` fixes most.
    inconsistencies: list[str] = []
    hold_tampered: bool = False  # the hold's metadata was deleted by hand; the history still records it


def status(clients: GoogleClients, spreadsheet_id: str, migrations: list[Migration], store: CheckpointStore) -> Status:
    return summarize(read_live_state(clients.sheets, spreadsheet_id), migrations, store)


def summarize(state: LiveState, migrations: list[Migration], store: CheckpointStore) -> Status:
    """The status of a live state: what `status` prints and `doctor` judges, computed in one place."""
    spreadsheet_id = state.spreadsheet_id
    applied = state.applied()
    applied_ids = {r.migration_id for r in applied}
    by_id = {m.id: m for m in migrations}
    failure = state.unresolved_failure()
    return Status(
        spreadsheet_id=spreadsheet_id, title=state.title, schema_version=state.schema_version,
        applied=[{"id": r.migration_id, "checksum": r.checksum, "applied_at": r.finished_at, "by": r.who}
                 for r in applied],
        pending=[m.id for m in migrations if m.id not in applied_ids], hold=state.hold,
        cells_after_pending=apply_budget(state, pending(state, migrations)),
        unresolved_failure=failure.model_dump() if failure else None,
        in_flight=[str(r.path) for r in store.in_flight(spreadsheet_id)],
        cell_count=state.cell_count, last_verify=store.last_verify(spreadsheet_id),
        checksum_mismatches=[r.migration_id for r in applied
                             if r.migration_id in by_id and by_id[r.migration_id].checksum != r.checksum],
        inconsistencies=[f.message for f in check_consistency(state, known_migrations(*migrations))],
        hold_tampered=state.hold_tampered)


def pending(state: LiveState, migrations: list[Migration]) -> list[Migration]:
    """The migrations not applied: applied means recorded in the history AND on the sheet. One the history
    records but the sheet lacks (a forged row), or the sheet has but the history lacks (a lost history), is
    pending, so `apply` reaches its preflight, which refuses it as INCONSISTENT and names the fix."""
    applied = {r.migration_id for r in state.applied()}
    return [m for m in migrations if m.id not in applied or live_migration(state, m).state != "applied"]


class MigrationPlan(BaseModel):
    migration_id: str
    description: str
    checksum: str
    columns: list[dict[str, Any]]
    event_types: list[str]
    cells_before: int
    cells_after: int  # exactly what the workbook counts after `apply` (engine/budget.py), earlier pending included
    cell_limit: int = CELL_LIMIT
    cell_budget: CellBudget
    findings: list[Finding]
    requests: list[dict[str, Any]]  # the exact batchUpdate the bridge would send now


def plan(clients: GoogleClients, spreadsheet_id: str, migrations: list[Migration], baseline: Baseline,
         only: str | None = None) -> list[MigrationPlan]:
    """What applying the pending migrations (or `only`) would change, without changing anything."""
    state = read_live_state(clients.sheets, spreadsheet_id)
    chosen = [m for m in migrations if m.id == only] if only else pending(state, migrations)
    if only and not chosen:
        raise Refused([Finding(level="error", code="NOT_FOUND",
                               message=f"no migration {only!r}; known: {', '.join(m.id for m in migrations)}")])
    bridge = check_bridge(clients)
    plans = []
    applied = {r.migration_id for r in state.applied()}
    # `apply` runs the pending migrations one after the other; an applied one changes nothing.
    todo = [m for m in chosen if m.id not in applied]
    budgets = dict(zip((m.id for m in todo), apply_budgets(state, todo)))
    for i, migration in enumerate(chosen):
        findings = check_apply(state, migration, chosen[:i]) + ([bridge] if bridge else [])
        requests: list[dict[str, Any]] = []
        if not errors(findings) and not any(f.code == "ALREADY_APPLIED" for f in findings):
            answer = clients.script.run("planMigration", {
                "opId": new_op_id(), "spreadsheetId": spreadsheet_id, "migration": bridge_payload(migration),
                "baseline": baseline.model_dump(mode="json")})
            requests = list(answer.get("requests", []))
        budget = budgets.get(migration.id) or CellBudget(before=state.cell_count, after=state.cell_count,
                                                         peak=state.cell_count)
        specs = {(op.sheet, c.name): c for op in migration.operations if isinstance(op, AddColumns) for c in op.columns}
        plans.append(MigrationPlan(
            migration_id=migration.id, description=migration.description, checksum=migration.checksum,
            columns=[{"sheet": sheet, "name": name, "column": column_letter(at), "default": specs[(sheet, name)].default,
                      "default_on": specs[(sheet, name)].default_on} for sheet, name, at in
                     new_column_positions(state, migration)],
            event_types=[t for op in migration.operations if isinstance(op, RegisterEventTypes) for t in op.event_types],
            cells_before=budget.before, cells_after=budget.after, cell_budget=budget, findings=findings,
            requests=requests))
    return plans


def verify_live(clients: GoogleClients, spreadsheet_id: str, migrations: list[Migration], baseline: Baseline,
                max_violations: int = MAX_LISTED) -> VerifyReport:
    return verify_sheet(clients.sheets, spreadsheet_id, migrations, baseline, max_violations)


def bridge_call(clients: GoogleClients, function: str, request: dict[str, Any]) -> dict[str, Any]:
    """A read-only bridge call (a plan, a count): a fresh opId, nothing to replay."""
    return clients.script.run(function, {"opId": new_op_id(), **request})


def once(clients: GoogleClients, store: CheckpointStore, spreadsheet_id: str, action: Action, function: str,
         request: dict[str, Any]) -> dict[str, Any]:
    """A one-call change (hold, release, resolve) whose opId is chosen and kept before the call: run again after
    a lost reply, the same command sends the same opId and the bridge answers from its record instead of acting
    twice. The same command with other arguments is a new operation (the earlier one is set aside, not lost)."""
    fingerprint = checksum_of(request)
    checkpoint = store.load(spreadsheet_id, action, action)
    if checkpoint is not None and checkpoint.migration_checksum != fingerprint:
        store.discard(spreadsheet_id, action, action)
        checkpoint = None
    checkpoint = checkpoint or store.start(spreadsheet_id, action, action, fingerprint, ["call"])
    try:
        result = clients.script.run(function, {"opId": checkpoint.op_ids["call"], "spreadsheetId": spreadsheet_id,
                                               **request})
    except ScriptError:
        store.discard(spreadsheet_id, action, action)  # the bridge answered: refused, nothing to replay
        raise
    store.record(checkpoint, "call", {"result": result})
    store.finish(checkpoint)
    return result


def repair(clients: GoogleClients, store: CheckpointStore, spreadsheet_id: str, migrations: list[Migration], *,
           execute: bool, note: str = "") -> dict[str, Any]:
    """Rebuild the history from the live structure (the bridge's `repairHistory`, Flyway's repair), judged by
    `migrations`' specs. Without `execute`, what it would record (nothing changes); with it, recorded in one
    batchUpdate under the lock, its opId kept first (`once`), so a rerun after a lost reply replays."""
    request: dict[str, Any] = {"migrations": [bridge_payload(m) for m in migrations], "note": note}
    stale = check_bridge(clients)
    if stale:
        raise Refused([stale])
    if not execute:
        return bridge_call(clients, "repairHistory", {"spreadsheetId": spreadsheet_id, "dryRun": True, **request})
    return once(clients, store, spreadsheet_id, "repair", "repairHistory", request)
