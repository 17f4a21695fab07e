"""`zeues-migrate rehearse [--from FILE]`: the whole cycle on a copy, never on the original (the demo)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.cli.common import verb

if TYPE_CHECKING:  # the engine is imported when the verb runs (it brings the Google clients)
    from orchestrator.engine.rehearsal import RehearsalReport


def render(report: RehearsalReport) -> str:
    lines = [f"Rehearsal on a copy of {report.source} ({report.copy_id}); the original was not touched.", ""]
    for run in report.applied:
        lines.append(f"Applied {run.migration_id}: backup {run.backup_id}")
        for c in run.bridge_result.get("columns", []):
            lines.append(f"  + {c['sheet']}!{c['letter']} {c['name']} ({c.get('defaultsWritten', 0):,} defaults)")
        for t in run.bridge_result.get("registeredEventTypes", []):
            lines.append(f"  + event type {t}")
        if run.verification:
            v = run.verification
            lines.append(f"  verified: {v.status}, {v.rows_checked:,} rows and {v.cells_checked:,} cells, "
                         f"{len(v.checks)} checks")
        lines.append("  steps: " + ", ".join(f"{k} {s:.2f}s" for k, s in run.timings.items()))
    for run in report.rolled_back:
        result = run.bridge_result
        lines.append(f"Rolled back {run.migration_id}: backup {run.backup_id}, archive {result.get('archiveSheet')} "
                     f"({result.get('archivedCells', 0):,} cells)")
        if run.verification:
            lines.append(f"  verified: {run.verification.status}, {run.verification.rows_checked:,} rows, "
                         f"{len(run.verification.checks)} checks")
        lines.append("  steps: " + ", ".join(f"{k} {s:.2f}s" for k, s in run.timings.items()))
    lines.append(f"Total {report.seconds:.1f}s; {sum(report.api_calls.values())} API calls, "
                 f"{report.bytes_read / 1e6:.1f} MB read.")
    return "\n".join(lines)


@click.command("rehearse")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="a workbook file (e.g. `zeues-migrate dump` of production) instead of a generated one")
@click.option("--spools", type=click.IntRange(min=1), default=1000, show_default=True,
              help="size of the generated workbook")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print one JSON result document on stdout")
@verb("rehearse", clients=False)
def rehearse(source: Path | None, spools: int, seed: int) -> tuple[Any, str]:
    """Copy, apply, verify, roll back and verify, on the local emulator running the real bridge."""
    from orchestrator.engine.rehearsal import rehearse_on_emulator

    report = rehearse_on_emulator(source, spools, seed, sys.stderr)
    return report, render(report)
