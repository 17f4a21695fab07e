"""`zeues-migrate verify`: check a live sheet on its own against what its history says is applied, and every
cell of the declared columns against its column contract."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import Failure, Session, config_options, verb
from orchestrator.contract.limits import MAX_LISTED
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_baseline, load_migrations

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine.verify import VerifyReport


def render(report: VerifyReport) -> str:
    lines = [f"  {'ok  ' if c.ok else 'FAIL'} {c.name}{': ' + c.detail if c.detail and not c.ok else ''}"
             for c in report.checks]
    lines.append(f"  {report.rows_checked:,} rows and {report.cells_checked:,} cells checked against their column "
                 f"contracts: {report.violations_total:,} violations")
    lines += [f"    {v}" for v in report.violations]
    if report.violations_total > len(report.violations):
        lines.append(f"    (and {report.violations_total - len(report.violations):,} more; --max-violations N lists "
                     f"more)")
    return "\n".join(lines)


@click.command("verify")
@config_options
@click.option("--max-violations", "max_violations", type=click.IntRange(min=0), default=MAX_LISTED, show_default=True,
              help="list at most N contract violations (all are counted)")
@verb("verify")
def verify(session: Session, max_violations: int) -> tuple[Any, str]:
    """Verify the applied migrations are really there (columns present and tagged, event types, schema version,
    checksums) and that every cell of the columns the baseline and the applied migrations declare holds what its
    contract allows. (apply and rollback also verify every cell against a snapshot.)"""
    from orchestrator.engine import operations

    report = operations.verify_live(session.clients, session.spreadsheet_id, load_migrations(), load_baseline(),
                                    max_violations)
    session.store.record_verify(session.spreadsheet_id, report.status, report.rows_checked, report.cells_checked,
                                report.violations_total)
    text = render(report)
    if report.status == "failed":
        raise Failure(ExitCode.VERIFY_FAILED, "verification failed:\n" + text, report)
    if report.status == "violations":
        raise Failure(ExitCode.VIOLATIONS, f"{report.violations_total:,} cells break their column contracts:\n"
                                           + text, report)
    return report, f"verification {report.status}\n{text}"
