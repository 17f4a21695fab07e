"""`zeues-migrate rehearse`: the whole migration cycle on a copy (the README's demo)."""

from __future__ import annotations

import sys

import click


@click.command("rehearse")
def rehearse() -> None:
    """Copy, apply, verify, roll back and verify on a copy of a workbook, never on the original."""
    # Filled in by the orchestrator issue; the emulator it runs on is being built.
    print("emulator not built yet: `rehearse` arrives with the emulator and orchestrator issues", file=sys.stderr)
