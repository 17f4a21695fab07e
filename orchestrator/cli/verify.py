"""`zeues-migrate verify`: check a live sheet on its own against what its history says is applied."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Failure, Session, config_options, verb
from orchestrator.engine import operations
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_baseline, load_migrations


@click.command("verify")
@config_options
@verb("verify")
def verify(session: Session) -> tuple[Any, str]:
    """Verify the applied migrations are really there: columns present and tagged, event types, schema version,
    checksums. (apply and rollback also verify every cell against a snapshot.)"""
    report = operations.verify_live(session.clients, session.spreadsheet_id, load_migrations(), load_baseline())
    text = "\n".join(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}{': ' + c.detail if c.detail and not c.ok else ''}"
                     for c in report.checks)
    if report.status == "failed":
        raise Failure(ExitCode.VERIFY_FAILED, "verification failed:\n" + text, report)
    return report, f"verification {report.status}\n{text}"
