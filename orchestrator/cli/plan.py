"""`zeues-migrate plan [MIGRATION_ID]`: what applying would change, changing nothing."""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import Session, config_options, verb
from orchestrator.migrations import load_baseline, load_migrations

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine import operations


def render(plans: list[operations.MigrationPlan], show_requests: bool) -> str:
    if not plans:
        return "Nothing to apply: every migration is applied."
    lines = []
    for p in plans:
        lines.append(f"Migration {p.migration_id} ({p.checksum[:19]}…): {p.description}")
        for c in p.columns:
            default = "empty" if c["default"] is None else f"{c['default']!r} on {c['default_on'].replace('_', ' ')}"
            lines.append(f"  + {c['sheet']}!{c['column']}  {c['name']}  (default: {default})")
        for t in p.event_types:
            lines.append(f"  + event type {t}")
        lines.append(f"  cells: {p.cell_budget.describe()}")
        for f in p.findings:
            lines.append(f"  {f.level}: {f.message}")
        if p.requests:
            lines.append(f"  one atomic batchUpdate of {len(p.requests)} requests"
                         + ("" if show_requests else " (--show-requests to print them)"))
            if show_requests:  # whole, as one JSON array: it can be copied out and parsed (never cut)
                lines.append(textwrap.indent(json.dumps(p.requests, ensure_ascii=False, indent=2), "    "))
    return "\n".join(lines)


@click.command("plan")
@click.argument("migration_id", required=False)
@click.option("--show-requests", is_flag=True, help="print the exact batchUpdate requests")
@config_options
@verb("plan")
def plan(session: Session, migration_id: str | None, show_requests: bool) -> tuple[Any, str]:
    """Show what applying the pending migrations (or MIGRATION_ID) would change. Changes nothing."""
    from orchestrator.engine import operations

    plans = operations.plan(session.clients, session.spreadsheet_id, load_migrations(), load_baseline(), migration_id)
    return plans, render(plans, show_requests)
