"""`zeues-migrate apply [MIGRATION_ID] --execute`: apply pending migrations, checkpointed and verified."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.cli.plan import render as render_plan
from orchestrator.engine.findings import Finding, Refused, errors
from orchestrator.migrations import load_baseline, load_migrations

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine import operations
    from orchestrator.engine.runs import RunReport


def render_report(report: RunReport) -> str:
    lines = [f"{report.action} {report.migration_id}: {report.status}" + (" (resumed)" if report.resumed else "")]
    if report.backup_id:
        lines.append(f"  backup: {report.backup_id} {report.backup_url or ''}".rstrip())
    for column in report.bridge_result.get("columns", []):
        lines.append(f"  added {column['sheet']}!{column['letter']} {column['name']} "
                     f"({column.get('defaultsWritten', 0):,} defaults written)")
    if report.verification:
        v = report.verification
        lines.append(f"  verification: {v.status} — {v.rows_checked:,} rows, {v.cells_checked:,} cells, "
                     f"{sum(c.ok for c in v.checks)}/{len(v.checks)} checks")
        for c in v.failed:
            lines.append(f"    FAILED {c.name}: {c.detail}")
        for change in v.concurrent_changes[:20]:
            lines.append(f"    changed concurrently: row {change.row} {change.key} {change.column}: "
                         f"{change.before!r} -> {change.after!r}")
        if v.concurrent_changes_total > 20:
            lines.append(f"    ... {v.concurrent_changes_total - 20} more (see --json)")
    if report.timings:
        lines.append("  timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items()))
    return "\n".join(lines)


@click.command("apply")
@click.argument("migration_id", required=False)
@click.option("--execute", is_flag=True, help="really apply; without it, only show the plan")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@click.option("--discard-checkpoint", is_flag=True,
              help="move an interrupted run's checkpoint aside and start over instead of resuming")
@config_options
@verb("apply")
def apply(session: Session, migration_id: str | None, execute: bool, yes: bool,
          discard_checkpoint: bool) -> tuple[Any, str]:
    """Apply the pending migrations (or MIGRATION_ID): preflight, snapshot, backup, verified backup, one
    atomic change, full verification. Rerun after an interruption to resume."""
    from orchestrator.engine import operations
    from orchestrator.engine.runs import apply_migration
    from orchestrator.engine.state import read_live_state

    migrations, baseline = load_migrations(), load_baseline()
    if not execute:
        planned = operations.plan(session.clients, session.spreadsheet_id, migrations, baseline, migration_id)
        return (applied_result(False, planned, []),
                render_plan(planned, False) + "\n\nNothing was applied: add --execute to apply.")
    state = read_live_state(session.clients.sheets, session.spreadsheet_id)
    in_flight = {r.key for r in session.store.in_flight(session.spreadsheet_id) if r.action == "apply"}
    todo = [m for m in migrations if (m.id == migration_id if migration_id else
                                      m in operations.pending(state, migrations) or m.id in in_flight)]
    if migration_id and not todo:
        raise Refused([Finding(level="error", code="NOT_FOUND",
                               message=f"no migration {migration_id!r}; known: {', '.join(m.id for m in migrations)}")])
    if not todo:
        return applied_result(True, [], []), "Nothing to apply: every migration is applied."
    plans: list[operations.MigrationPlan] = []
    if not yes and sys.stdin.isatty():  # what the operator answers to (with --yes, or no terminal, nobody asks)
        plans = operations.plan(session.clients, session.spreadsheet_id, migrations, baseline, migration_id)
        refusals = [f for p in plans for f in errors(p.findings)]
        # The checks the run's preflight makes (check_apply, the bridge): refused before asking. Not for a resumed
        # run, whose preflight differs (its backup is made); the prompt then shows the findings.
        if refusals and not in_flight:
            raise Refused(refusals)
    shown = (render_plan(plans, False) + "\nbackup: a copy of the whole spreadsheet is made and verified before "
             "each migration changes anything") if plans else ""
    confirm_or_refuse(f"Apply {', '.join(m.id for m in todo)} to {state.title!r} ({session.spreadsheet_id})?", yes,
                      shown=shown)
    # Made after the answer: the run's clock (the report's timings) does not count the time spent at the prompt.
    target = session.target()
    reports = [apply_migration(target, m, baseline, migrations, discard_checkpoint=discard_checkpoint) for m in todo]
    return applied_result(True, plans, reports), "\n".join(render_report(r) for r in reports)


def applied_result(executed: bool, plans: list[operations.MigrationPlan], runs: list[RunReport]) -> dict[str, Any]:
    """`apply --json`'s result, one shape with or without --execute (docs/operator.md, "JSON output")."""
    return {"executed": executed, "plans": plans, "runs": runs}
