"""`zeues-migrate rollback MIGRATION_ID --execute`: undo the last migration, keeping every later write."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.apply import render_report
from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.engine.runs import rollback_migration
from orchestrator.migrations import load_baseline, load_migrations


@click.command("rollback")
@click.argument("migration_id")
@click.option("--execute", is_flag=True, help="really roll back; without it, only say what would happen")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@click.option("--discard-checkpoint", is_flag=True, help="start over instead of resuming an interrupted rollback")
@config_options
@verb("rollback")
def rollback(session: Session, migration_id: str, execute: bool, yes: bool,
             discard_checkpoint: bool) -> tuple[Any, str]:
    """Roll back MIGRATION_ID (the last applied): back up, archive its columns' values into a hidden sheet,
    remove its columns and event types in one atomic change, verify. Writes made since are kept."""
    if not execute:
        text = (f"Would roll back {migration_id}: back up the spreadsheet, copy the migration's columns into a hidden "
                "archive sheet, delete them, unregister its event types and restore the previous schema version, "
                "then verify every cell.\nNothing was changed: add --execute to roll back.")
        return {"migration_id": migration_id, "executed": False}, text
    confirm_or_refuse(f"Roll back {migration_id} on {session.spreadsheet_id}?", yes)
    report = rollback_migration(session.target(), migration_id, load_baseline(), load_migrations(),
                                discard_checkpoint=discard_checkpoint)
    text = render_report(report)
    if report.bridge_result.get("archiveSheet"):
        text += (f"\n  archive: {report.bridge_result['archiveSheet']} "
                 f"({report.bridge_result.get('archivedCells', 0):,} cells)")
    return report, text
