"""Small verbs: `backups`, `hold`, `resolve`."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Session, config_options, verb
from orchestrator.engine.operations import once
from orchestrator.engine.state import read_live_state


@click.command("backups")
@config_options
@verb("backups")
def backups(session: Session) -> tuple[Any, str]:
    """List the backup copies of the spreadsheet (newest first)."""
    title = read_live_state(session.clients.sheets, session.spreadsheet_id).title
    files = session.clients.drive.list_backups(title)
    lines = [f"{f.get('createdTime', '')[:19]}  {f['id']}  {f['name']}" for f in files]
    return files, "\n".join(lines) or "No backups found."


@click.command("hold")
@click.option("--release", is_flag=True, help="resume migrations instead of pausing them")
@click.option("--reason", default="", help="why migrations are paused (shown to whoever is refused)")
@config_options
@verb("hold")
def hold(session: Session, release: bool, reason: str) -> tuple[Any, str]:
    """Pause migrations on the sheet (or --release to resume); a paused sheet refuses every apply."""
    result = once(session.clients, session.store, session.spreadsheet_id, "release" if release else "hold",
                  "setHold", {"hold": not release, "reason": reason})
    messages = {"held": "Migrations are paused.", "already_held": "Migrations were already paused.",
                "released": "Migrations can run again.", "not_held": "Migrations were not paused."}
    return result, messages.get(str(result.get("status")), str(result))


@click.command("resolve")
@click.option("--note", default="", help="what was checked")
@config_options
@verb("resolve")
def resolve(session: Session, note: str) -> tuple[Any, str]:
    """Mark a failed or unfinished attempt in the history as looked at, so changes may run again."""
    result = once(session.clients, session.store, session.spreadsheet_id, "resolve", "resolveFailure", {"note": note})
    return result, ("Nothing to resolve." if result.get("status") == "nothing_to_resolve"
                    else f"Resolved {result.get('resolvedOperation')}.")
