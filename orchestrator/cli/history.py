"""`zeues-migrate history`: every recorded attempt, oldest first (the hidden `_zeues_migrations` sheet)."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Session, config_options, verb
from orchestrator.engine.state import read_live_state


@click.command("history")
@config_options
@verb("history")
def history(session: Session) -> tuple[Any, str]:
    """List the migration history recorded in the spreadsheet."""
    rows = read_live_state(session.clients.sheets, session.spreadsheet_id).history
    lines = [f"{r.finished_at[:19].replace('T', ' ')}  {r.action:<9} {r.migration_id or '-':<6} {r.status:<12} "
             f"{r.who}  op {r.operation_id[:12]}" + (f"  backup {r.backup_id}" if r.backup_id else "") for r in rows]
    return rows, "\n".join(lines) or "Nothing recorded yet."
