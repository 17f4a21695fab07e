"""`zeues-migrate status [--check]`: schema version, applied and pending migrations, holds, runs in flight."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import Outcome, Session, config_options, verb
from orchestrator.cli.doctor import resume_command
from orchestrator.cli.listing import Zone, hold_text, latest_log, schema_version_text
from orchestrator.contract.errors import ErrorCode
from orchestrator.engine.findings import Finding, Refused
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_migrations

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine.checkpoint import CheckpointStore, VerifyRecord


def _last_verify(record: VerifyRecord | None, zone: Zone) -> str:
    if record is None:
        return "none from here"
    passed = zone.labelled(record.last_passed_at) if record.last_passed_at else "never"
    return (f"{record.status} at {zone.labelled(record.at)} ({record.rows_checked:,} rows, "
            f"{record.cells_checked:,} cells, {record.violations_total:,} violations); last passed: {passed}")


def _hold(hold: dict[str, Any] | None, tampered: bool, zone: Zone) -> str:
    if not hold:
        return "none"
    return f"PAUSED {hold_text(hold, zone)}" + (
        " (TAMPERED: its zeues.hold metadata was deleted by hand; the history still records the hold, so it "
        "still holds until `zeues-migrate hold --release`)" if tampered else "")


def _runs(store: CheckpointStore, spreadsheet_id: str) -> list[dict[str, Any]]:
    """The runs in flight with their checkpoint and their log."""
    return [{"action": r.action, "key": r.key, "checkpoint": str(r.path),
             "log": str(r.log) if r.log else None}
            for r in store.in_flight(spreadsheet_id)]


@click.command("status")
@click.option("--check", is_flag=True, help=f"exit {int(ExitCode.PENDING)} when migrations are pending, "
              f"{int(ErrorCode.INCONSISTENT.exit_code)} when the history and the sheet disagree (for CI)")
@config_options
@verb("status")
def status(session: Session, check: bool) -> Outcome:
    """Show the sheet's schema version, applied and pending migrations, holds and interrupted runs."""
    from orchestrator.engine import operations
    from orchestrator.engine.state import read_live_state

    state = read_live_state(session.clients.sheets, session.spreadsheet_id)
    s = operations.summarize(state, load_migrations(), session.store)
    zone = Zone.of(state.time_zone)
    runs = _runs(session.store, session.spreadsheet_id)
    log = latest_log(session.store, session.spreadsheet_id)
    lines = [f"{s.title} ({s.spreadsheet_id})",
             f"  schema version: {schema_version_text(state, zone)}",
             f"  applied: {', '.join(a['id'] + ' at ' + zone.labelled(a['applied_at']) for a in s.applied) or 'none'}",
             f"  pending: {', '.join(s.pending) or 'none'}",
             f"  hold: {_hold(s.hold, s.hold_tampered, zone)}",
             f"  cells: {s.cell_count:,} of {s.cell_limit:,}",
             f"  last verify: {_last_verify(s.last_verify, zone)}"]
    if runs:
        lines.append("  interrupted runs:")
        for run in runs:
            resume = resume_command(run["action"], run["key"])
            lines.append(f"    {run['action']} {run['key']}: resume with `{resume}` (or start over with "
                         "--discard-checkpoint)")
            lines.append(f"      checkpoint: {run['checkpoint']}")
            if run["log"]:
                lines.append(f"      log: {run['log']}")
    if log is not None:
        lines.append(f"  latest run log: {log}")
    if s.unresolved_failure:
        failure = s.unresolved_failure
        lines.append(f"  unresolved failure: {failure['action']} {failure['migration_id'] or 'of the sheet'} "
                     f"(operation {failure['operation_id']}, at {zone.labelled(failure['started_at'])}) is recorded "
                     f"as {failure['status']}; look at it in `zeues-migrate history`, then `zeues-migrate resolve`")
    if s.checksum_mismatches:
        lines.append(f"  CHANGED after being applied: {', '.join(s.checksum_mismatches)} (restore those files)")
    for problem in s.inconsistencies:
        lines.append(f"  INCONSISTENT: {problem}")
    text = "\n".join(lines)
    # The engine's status, and what only this verb adds: the sheet's zone, the runs' logs.
    result = {**s.model_dump(mode="json"), "time_zone": state.time_zone, "runs_in_flight": runs,
              "latest_log": str(log) if log else None}
    if check and s.inconsistencies:
        # Neither "applied" nor "pending" can be believed until the history and the sheet agree.
        raise Refused([Finding(level="error", code=ErrorCode.INCONSISTENT, message=m) for m in s.inconsistencies])
    if check and s.pending:
        return Outcome(result, text + f"\n{len(s.pending)} migration(s) pending", ExitCode.PENDING)
    return Outcome(result, text)
