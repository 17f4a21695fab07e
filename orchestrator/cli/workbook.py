"""`zeues-migrate workbook --spools N --output FILE`: write a generated, realistic v2.1 workbook."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from orchestrator.workbook import Variant, WorkbookOptions, write_workbook


@click.command("workbook")
@click.option("--spools", type=click.IntRange(min=0), default=1000, show_default=True, help="spool rows to generate")
@click.option("--seed", type=int, default=1, show_default=True, help="same seed, same workbook")
@click.option("--variant", "variants", type=click.Choice([v.value for v in Variant]), multiple=True,
              help="header variant (repeatable)")
@click.option("--title", default=None, help="spreadsheet title")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="file to write (a Sheets v4 Spreadsheet resource, JSON)")
def workbook(spools: int, seed: int, variants: tuple[str, ...], title: str | None, output: Path) -> None:
    """Write a deterministic v2.1 ZEUES workbook for the emulator, tests or Google."""
    from orchestrator.engine.progress import Progress  # rich: imported when the verb runs

    options = WorkbookOptions(spools=spools, seed=seed, variants=frozenset(Variant(v) for v in variants), title=title)
    started = time.perf_counter()
    try:
        stats = write_workbook(options, output, Progress(sys.stderr))  # a bar on a terminal, lines otherwise
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    elapsed = time.perf_counter() - started
    print(f"wrote {output}: {spools:,} spools, {stats.data_rows:,} data rows, {stats.cells:,} grid cells, "
          f"{stats.bytes / 1e6:.1f} MB in {elapsed:.2f} s", file=sys.stderr)
