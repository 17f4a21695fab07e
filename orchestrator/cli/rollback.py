"""`zeues-migrate rollback [MIGRATION_ID] --execute`: undo the last migration, keeping every later write."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.apply import render_report
from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.migrations import load_baseline, load_migrations

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine.runs import RollbackPreview, RunReport


def render_preview(p: RollbackPreview) -> str:
    if p.status == "already_rolled_back":
        return f"Migration {p.migration_id} is already rolled back on {p.title!r}: nothing to do."
    lines = [f"Rollback of {p.migration_id} on {p.title!r} ({p.spreadsheet_id})"
             + (": resumes the interrupted run" if p.status == "would_resume" else "")]
    if p.columns:
        lines.append(f"  columns removed ({len(p.columns)}):")
        lines.extend(f"    - {c['sheet']}!{c['column']}  {c['name']}" for c in p.columns)
        lines.append(f"  {p.filled_cells:,} filled cells ({p.archived_rows:,} rows) move into a hidden archive sheet "
                     "(_zeues_archive_...)")
    lines.append(f"  backup: {p.backup}")
    lines.append(f"  still applied afterwards: {', '.join(p.still_applied) or 'none (the baseline schema)'}")
    lines.extend(f"  {f.level}: {f.message}" for f in p.findings)
    return "\n".join(lines)


def rollback_result(executed: bool, preview: RollbackPreview | None, report: RunReport | None) -> dict[str, Any]:
    """`rollback --json`'s result, one shape with or without --execute (docs/operator.md, "JSON output"): `plan`
    (what the dry run and the prompt show) and, once executed, the run report's fields."""
    result: dict[str, Any] = report.model_dump(mode="json") if report is not None else {}
    return {**result, "executed": executed, "plan": preview.model_dump(mode="json") if preview else None}


@click.command("rollback")
@click.argument("migration_id", required=False)
@click.option("--execute", is_flag=True, help="really roll back; without it, only say what would happen")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@click.option("--discard-checkpoint", is_flag=True, help="start over instead of resuming an interrupted rollback")
@config_options
@verb("rollback")
def rollback(session: Session, migration_id: str | None, execute: bool, yes: bool,
             discard_checkpoint: bool) -> tuple[Any, str]:
    """Roll back the last applied migration (MIGRATION_ID, if given, must be it): back up, archive its columns'
    values into a hidden sheet, remove its columns and event types in one atomic change, verify. Writes made since
    are kept. Without --execute, the same checks and what would change; nothing is changed."""
    from orchestrator.engine.runs import preview_rollback, rollback_migration, rollback_target
    from orchestrator.engine.state import read_live_state

    baseline, known = load_baseline(), load_migrations()
    asks = execute and not yes
    if asks and not sys.stdin.isatty():  # refused before anything is read: no one could answer
        confirm_or_refuse(f"Roll back {migration_id or 'the last applied migration'} on {session.spreadsheet_id}?",
                          yes)
    state = read_live_state(session.clients.sheets, session.spreadsheet_id)
    # Without an id: an interrupted rollback's migration (even with --discard-checkpoint: the last applied may
    # already be the one before it), else the last applied.
    migration_id = rollback_target(state, session.store, migration_id)
    preview: RollbackPreview | None = None
    if not execute or asks:  # the dry run and the prompt: the run's own preflight, no checkpoint written
        preview = preview_rollback(session.target(quiet=True), migration_id, baseline, known,
                                   discard_checkpoint=discard_checkpoint)
        if not execute:
            return (rollback_result(False, preview, None),
                    render_preview(preview) + "\nNothing was changed: add --execute to roll back.")
        if preview.status == "already_rolled_back":
            return rollback_result(False, preview, None), render_preview(preview)
    confirm_or_refuse(f"Roll back {migration_id} on {session.spreadsheet_id}?", yes,
                      shown=render_preview(preview) if preview else "")
    # Made after the answer: the run's clock (the report's timings) does not count the time spent at the prompt.
    report = rollback_migration(session.target(), migration_id, baseline, known,
                                discard_checkpoint=discard_checkpoint)
    text = render_report(report)
    if report.bridge_result.get("archiveSheet"):
        text += (f"\n  archive: {report.bridge_result['archiveSheet']} "
                 f"({report.bridge_result.get('archivedCells', 0):,} cells)")
    return rollback_result(True, preview, report), text
