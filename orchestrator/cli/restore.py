"""`zeues-migrate restore BACKUP_ID [--force]`: bring a backup's contents back into the live spreadsheet."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.engine.operations import bridge_call


@click.command("restore")
@click.argument("backup_id")
@click.option("--force", is_flag=True, help="really overwrite the live contents; without it, only count differences")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@config_options
@verb("restore")
def restore(session: Session, backup_id: str, force: bool, yes: bool) -> tuple[Any, str]:
    """Restore BACKUP_ID into the live spreadsheet (same id, so the backend keeps working). Every write made
    since the backup is lost, so it first reports how many cells differ and needs --force."""
    request = {"spreadsheetId": session.spreadsheet_id, "backupId": backup_id}
    report = bridge_call(session.clients, "restoreBackup", request)
    sheets = ", ".join(f"{s['sheet']} {s['cellsDiffering']:,}" for s in report.get("sheets", []) if s["cellsDiffering"])
    summary = f"{report.get('cellsDiffering', 0):,} cells differ from backup {backup_id} ({sheets or 'none'})"
    if not force:
        return report, summary + "\nNothing was changed: add --force to overwrite the live spreadsheet with the backup."
    confirm_or_refuse(f"{summary}. Overwrite them with the backup?", yes)
    done = bridge_call(session.clients, "restoreBackup", {**request, "force": True})
    return done, f"Restored backup {backup_id}: {done.get('cellsDiffering', 0):,} cells written back."
