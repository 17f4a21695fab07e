"""The read-only and small operations behind the CLI verbs: status, plan, history, holds, backups, verify."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orchestrator.contract.limits import CELL_LIMIT
from orchestrator.domain.columns import column_letter
from orchestrator.engine.budget import CellBudget, apply_budgets
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.findings import Finding, Refused, errors
from orchestrator.engine.preflight import check_apply, new_column_positions
from orchestrator.engine.runs import check_bridge
from orchestrator.engine.state import LiveState, read_live_state
from orchestrator.engine.verify import VerifyReport, verify_structure
from orchestrator.google import GoogleClients
from orchestrator.google.script import new_op_id
from orchestrator.migrations import bridge_payload
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
    checksum_mismatches: list[str]


def status(clients: GoogleClients, spreadsheet_id: str, migrations: list[Migration], store: CheckpointStore) -> Status:
    state = read_live_state(clients.sheets, spreadsheet_id)
    applied = state.applied()
    applied_ids = {r.migration_id for r in applied}
    by_id = {m.id: m for m in migrations}
    failure = state.unresolved_failure()
    return Status(
        spreadsheet_id=spreadsheet_id, title=state.title, schema_version=state.schema_version,
        applied=[{"id": r.migration_id, "checksum": r.checksum, "applied_at": r.finished_at, "by": r.who}
                 for r in applied],
        pending=[m.id for m in migrations if m.id not in applied_ids], hold=state.hold,
        unresolved_failure=failure.model_dump() if failure else None,
        in_flight=[str(p) for p in store.in_flight() if p.parent.name == spreadsheet_id],
        cell_count=state.cell_count,
        checksum_mismatches=[r.migration_id for r in applied
                             if r.migration_id in by_id and by_id[r.migration_id].checksum != r.checksum])


def pending(state: LiveState, migrations: list[Migration]) -> list[Migration]:
    applied = {r.migration_id for r in state.applied()}
    return [m for m in migrations if m.id not in applied]


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


def verify_live(clients: GoogleClients, spreadsheet_id: str, migrations: list[Migration],
                baseline: Baseline) -> VerifyReport:
    return verify_structure(read_live_state(clients.sheets, spreadsheet_id), migrations, baseline)


def bridge_call(clients: GoogleClients, function: str, request: dict[str, Any]) -> dict[str, Any]:
    return clients.script.run(function, {"opId": new_op_id(), **request})
