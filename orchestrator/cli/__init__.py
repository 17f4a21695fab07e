"""`zeues-migrate`: one thin module per verb over the core library."""

from __future__ import annotations

import click

from orchestrator.cli.rehearse import rehearse
from orchestrator.cli.workbook import workbook


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Migrate the ZEUES Google Sheet between schema versions, safely and verifiably."""


main.add_command(workbook)
main.add_command(rehearse)
