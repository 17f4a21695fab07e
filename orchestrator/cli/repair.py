"""`zeues-migrate repair [--execute]`: rebuild the history from the live structure (Flyway's repair)."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Session, config_options, confirm_or_refuse, verb
from orchestrator.migrations import load_migrations


def render(result: dict[str, Any]) -> str:
    if result.get("status") == "nothing_to_repair":
        return "The history agrees with the sheet: nothing to repair."
    lines = []
    for entry in result.get("recorded", []):
        if entry.get("status") == "applied":
            columns = ", ".join(f"{c['sheet']}!{c['letter']} {c['name']}" for c in entry.get("columns", []))
            types = ", ".join(entry.get("eventTypes", []))
            lines.append(f"  record {entry['migrationId']} as applied (found on the sheet: {columns or 'no columns'}"
                         f"{'; event types ' + types if types else ''})")
        else:
            rows = ", ".join(str(r) for r in entry.get("superseded", []))
            lines.append(f"  record {entry['migrationId']} as not applied (none of it is on the sheet); mark history "
                         f"row(s) {rows or '-'} superseded")
    version = result.get("schemaVersion") or {}
    if version.get("was") != version.get("now"):
        lines.append(f"  set the schema version from {version.get('was') or 'none'} to {version.get('now') or 'none'}")
    if result.get("historySheetCreated") or (result.get("dryRun") and not lines):
        lines.append("  create the history sheet")
    return "\n".join(lines)


@click.command("repair")
@click.option("--execute", is_flag=True, help="record it; without it, only show what would be recorded")
@click.option("--yes", is_flag=True, help="do not ask for confirmation (needed without a terminal)")
@click.option("--note", default="", help="why the history is repaired (kept in its record)")
@config_options
@verb("repair")
def repair(session: Session, execute: bool, yes: bool, note: str) -> tuple[Any, str]:
    """Rebuild the history from the live structure: record the migrations whose columns are on the sheet, mark
    rows recording a migration the sheet does not have as superseded (nothing is deleted)."""
    from orchestrator.engine import operations

    migrations = load_migrations()
    # A repair whose reply was lost is finished by replaying its opId, not planned again (a new dry run would
    # find the history repaired and leave the operation in flight).
    in_flight = session.store.load(session.spreadsheet_id, "repair", "repair") is not None
    if not execute or not (yes or in_flight):
        planned = operations.repair(session.clients, session.store, session.spreadsheet_id, migrations,
                                    execute=False, note=note)
        if planned.get("status") == "nothing_to_repair" or not execute:
            text = render(planned)
            if planned.get("status") != "nothing_to_repair":
                text = "Would record:\n" + text + "\n\nNothing was recorded: add --execute to record it."
            return planned, text
        confirm_or_refuse(f"Record this in the history of {session.spreadsheet_id}?\n{render(planned)}\n", yes)
    result = operations.repair(session.clients, session.store, session.spreadsheet_id, migrations, execute=True,
                               note=note)
    return result, ("Repaired the history:\n" + render(result) if result.get("status") == "repaired"
                    else render(result))
