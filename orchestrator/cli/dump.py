"""`zeues-migrate dump --output FILE`: a read-only copy of the live spreadsheet, to rehearse on offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from orchestrator.cli.common import Failure, Session, config_options, verb
from orchestrator.engine.private_files import private_dir
from orchestrator.exit_codes import ExitCode


@click.command("dump")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="file to write (a Sheets v4 Spreadsheet resource, JSON)")
@click.option("--force", is_flag=True, help="overwrite FILE if it exists")
@config_options
@verb("dump", require=("spreadsheet_id", "credentials"))
def dump(session: Session, output: Path, force: bool) -> tuple[Any, str]:
    """Copy the spreadsheet (values, formulas, formats, validation, developer metadata, grid) into FILE,
    which `spreadsheets.create` and `zeues-migrate rehearse --from FILE` take. Reads only, in paced chunks.
    An existing FILE is kept unless --force is given."""
    from orchestrator.engine.dump import dump_spreadsheet
    from orchestrator.engine.progress import Progress

    if not force and (output.exists() or output.is_symlink()):  # before any read: a refusal costs nothing
        raise _exists(output)
    private_dir(output.parent)  # before any read; a folder it cannot make is LOCAL_IO, naming it
    if not os.access(output.parent, os.W_OK):
        raise Failure(ExitCode.LOCAL_IO, f"cannot write {output}: the folder {output.parent} is not writable")
    try:
        report = dump_spreadsheet(session.clients.sheets, session.spreadsheet_id, output, Progress(sys.stderr),
                                  overwrite=force)
    except FileExistsError:  # made by someone else while the sheet was read
        raise _exists(output) from None
    lines = [f"Dumped {report.title!r} ({report.spreadsheet_id}) to {report.output}: "
             f"{report.bytes_written / 1e6:.1f} MB in {report.seconds:.1f}s"]
    lines += [f"  {s.title}: {s.data_rows:,} of {s.grid_rows:,} rows, {s.grid_columns} columns, {s.cells:,} cells"
              for s in report.sheets]
    lines += [f"  not copied: {what}" for what in report.not_copied]
    return report, "\n".join(lines)


def _exists(output: Path) -> Failure:
    return Failure(ExitCode.USAGE, f"refused: {output} exists and dump does not overwrite it; choose another "
                                   "--output, or add --force to replace it. Nothing was written.")
