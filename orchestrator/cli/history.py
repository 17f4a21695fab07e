"""`zeues-migrate history`: every recorded attempt, newest first (the hidden `_zeues_migrations` sheet)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import Session, config_options, verb
from orchestrator.cli.listing import Zone, details_object, history_note, latest_log, table

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine.state import HistoryRow

HEADINGS = ("action", "migration", "status", "by", "operation", "backup", "details")


def as_json(row: HistoryRow) -> dict[str, Any]:
    """A row as `--json` prints it: the recorded fields, `details` as the object it records (not its text)."""
    return {**row.model_dump(), "details": details_object(row)}


def render(rows: list[HistoryRow], zone: Zone) -> str:
    """Newest first, under headings; times in the sheet's zone, named in the time column's heading."""
    shown = [(zone.time(r.finished_at or r.started_at), r.action, r.migration_id or "", r.status, r.who,
              r.operation_id[:12], r.backup_id, history_note(r)) for r in reversed(rows)]
    return table((zone.heading, *HEADINGS), shown)


@click.command("history")
@config_options
@verb("history")
def history(session: Session) -> tuple[Any, str]:
    """List the migration history recorded in the spreadsheet, newest first."""
    from orchestrator.engine.state import read_live_state

    state = read_live_state(session.clients.sheets, session.spreadsheet_id)
    rows = state.history
    log = latest_log(session.store, session.spreadsheet_id)
    text = render(rows, Zone.of(state.time_zone)) if rows else "Nothing recorded yet."
    if log is not None:
        text += f"\nlatest run log: {log}"
    return [as_json(r) for r in reversed(rows)], text
