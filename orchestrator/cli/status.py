"""`zeues-migrate status [--check]`: schema version, applied and pending migrations, holds, runs in flight."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Outcome, Session, config_options, verb
from orchestrator.contract.errors import ErrorCode
from orchestrator.engine import operations
from orchestrator.engine.checkpoint import VerifyRecord
from orchestrator.engine.findings import Finding, Refused
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_migrations


def _last_verify(record: VerifyRecord | None) -> str:
    if record is None:
        return "none from here"
    passed = f"{record.last_passed_at:%Y-%m-%d %H:%M:%S}Z" if record.last_passed_at else "never"
    return (f"{record.status} at {record.at:%Y-%m-%d %H:%M:%S}Z ({record.rows_checked:,} rows, "
            f"{record.cells_checked:,} cells, {record.violations_total:,} violations); last passed: {passed}")


def _hold(hold: dict[str, Any] | None, tampered: bool) -> str:
    if not hold:
        return "none"
    text = f"PAUSED by {hold.get('by')} at {hold.get('at')} — {hold.get('reason') or 'no reason given'}"
    return text + (" (TAMPERED: its zeues.hold metadata was deleted by hand; the history still records the hold, "
                   "so it still holds until `zeues-migrate hold --release`)" if tampered else "")


@click.command("status")
@click.option("--check", is_flag=True, help=f"exit {int(ExitCode.PENDING)} when migrations are pending, "
              f"{int(ErrorCode.INCONSISTENT.exit_code)} when the history and the sheet disagree (for CI)")
@config_options
@verb("status")
def status(session: Session, check: bool) -> Outcome:
    """Show the sheet's schema version, applied and pending migrations, holds and interrupted runs."""
    s = operations.status(session.clients, session.spreadsheet_id, load_migrations(), session.store)
    lines = [f"{s.title} ({s.spreadsheet_id})",
             f"  schema version: {s.schema_version or '2.1 (never migrated)'}",
             f"  applied: {', '.join(a['id'] + ' at ' + a['applied_at'] for a in s.applied) or 'none'}",
             f"  pending: {', '.join(s.pending) or 'none'}",
             f"  hold: {_hold(s.hold, s.hold_tampered)}",
             f"  cells: {s.cell_count:,} of {s.cell_limit:,}",
             f"  last verify: {_last_verify(s.last_verify)}"]
    if s.in_flight:
        lines.append("  interrupted runs (rerun the same command to resume): " + ", ".join(s.in_flight))
    if s.unresolved_failure:
        lines.append(f"  unresolved failure: {s.unresolved_failure['action']} {s.unresolved_failure['operation_id']}"
                     " — `zeues-migrate resolve` once it has been looked at")
    if s.checksum_mismatches:
        lines.append(f"  CHANGED after being applied: {', '.join(s.checksum_mismatches)} (restore those files)")
    for problem in s.inconsistencies:
        lines.append(f"  INCONSISTENT: {problem}")
    text = "\n".join(lines)
    if check and s.inconsistencies:
        # Neither "applied" nor "pending" can be believed until the history and the sheet agree.
        raise Refused([Finding(level="error", code=ErrorCode.INCONSISTENT, message=m) for m in s.inconsistencies])
    if check and s.pending:
        return Outcome(s, text + f"\n{len(s.pending)} migration(s) pending", ExitCode.PENDING)
    return Outcome(s, text)
