"""`zeues-migrate restore BACKUP_ID [--force]`: bring a backup's contents back into the live spreadsheet."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.apply import render_report
from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.engine.operations import bridge_call
from orchestrator.engine.runs import restore_backup


@click.command("restore")
@click.argument("backup_id")
@click.option("--force", is_flag=True, help="really overwrite the live contents; without it, only count differences")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@click.option("--discard-checkpoint", is_flag=True, help="start over instead of resuming an interrupted restore")
@config_options
@verb("restore")
def restore(session: Session, backup_id: str, force: bool, yes: bool, discard_checkpoint: bool) -> tuple[Any, str]:
    """Restore BACKUP_ID into the live spreadsheet (same id, so the backend keeps working). Every write made
    since the backup is lost, so it first reports how many cells differ and needs --force. With --force it runs
    as apply does: a backup of what is replaced, the restore in one batch, then every cell checked."""
    report = bridge_call(session.clients, "restoreBackup", {"spreadsheetId": session.spreadsheet_id,
                                                            "backupId": backup_id})
    sheets = ", ".join(f"{s['sheet']} {s['cellsDiffering']:,}" for s in report.get("sheets", []) if s["cellsDiffering"])
    summary = f"{report.get('cellsDiffering', 0):,} cells differ from backup {backup_id} ({sheets or 'none'})"
    if not force:
        return report, summary + "\nNothing was changed: add --force to overwrite the live spreadsheet with the backup."
    confirm_or_refuse(f"{summary}. Overwrite them with the backup (a backup of the current contents is made first)?",
                      yes)
    done = restore_backup(session.target(), backup_id, discard_checkpoint=discard_checkpoint)
    return done, render_report(done)
