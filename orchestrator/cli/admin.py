"""Small verbs: `backups`, `hold`, `resolve`."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Session, config_options, verb
from orchestrator.cli.listing import Zone, table


@click.command("backups")
@click.option("--all", "show_all", is_flag=True,
              help="also list copies named like this spreadsheet's backups that its history does not record")
@config_options
@verb("backups")
def backups(session: Session, show_all: bool) -> tuple[Any, str]:
    """List the backup copies of the spreadsheet, newest first."""
    from orchestrator.engine.state import read_live_state

    state = read_live_state(session.clients.sheets, session.spreadsheet_id)
    named = session.clients.drive.list_backups(state.title)
    # Backups are found by name, and another spreadsheet may carry the same title (a rehearsal copy, a test
    # sheet): only the copies this spreadsheet's history records are its own.
    recorded = {row.backup_id for row in state.history if row.backup_id}
    files = named if show_all else [f for f in named if f.get("id") in recorded]
    others = len(named) - len(files)
    note = (f"\n{others} other copies are named like this spreadsheet's backups but not recorded in its history "
            "(another spreadsheet with the same title?); `zeues-migrate backups --all` lists them." if others else "")
    if not files:
        return files, "No backups found." + note
    # Drive's createdTime is UTC; the bridge names each copy in the sheet's zone: both shown in that zone.
    zone = Zone.of(state.time_zone)
    rows = [(zone.time(str(f.get("createdTime", ""))), str(f["id"]), str(f.get("name", ""))) for f in files]
    return files, table((f"created ({zone.label})", "backup id", "name"), rows) + note


@click.command("hold")
@click.option("--release", is_flag=True, help="resume migrations instead of pausing them")
@click.option("--reason", default="", help="why migrations are paused (shown to whoever is refused)")
@config_options
@verb("hold")
def hold(session: Session, release: bool, reason: str) -> tuple[Any, str]:
    """Pause migrations on the sheet (or --release to resume); a paused sheet refuses every apply."""
    from orchestrator.engine.operations import once

    result = once(session.clients, session.store, session.spreadsheet_id, "release" if release else "hold",
                  "setHold", {"hold": not release, "reason": reason})
    messages = {"held": "Migrations are paused.", "already_held": "Migrations were already paused.",
                "released": "Migrations can run again.", "not_held": "Migrations were not paused."}
    text = messages.get(str(result.get("status")), str(result))
    if result.get("status") == "held":  # say what the refused will read, and never end on an empty reason
        text = (f"Migrations are paused: {reason.strip()}." if reason.strip()
                else "Migrations are paused (no reason given; --reason says why to whoever is refused).")
    return result, text


@click.command("resolve")
@click.option("--note", default="", help="what was checked")
@config_options
@verb("resolve")
def resolve(session: Session, note: str) -> tuple[Any, str]:
    """Mark a failed or unfinished attempt in the history as looked at, so changes may run again."""
    from orchestrator.engine.operations import once

    result = once(session.clients, session.store, session.spreadsheet_id, "resolve", "resolveFailure", {"note": note})
    return result, ("Nothing to resolve." if result.get("status") == "nothing_to_resolve"
                    else f"Resolved {result.get('resolvedOperation')}.")
