"""`zeues-migrate`: one thin module per verb over the core library (orchestrator.engine)."""

from __future__ import annotations

import click

from orchestrator.cli.admin import backups, hold, resolve
from orchestrator.cli.apply import apply
from orchestrator.cli.doctor import doctor
from orchestrator.cli.dump import dump
from orchestrator.cli.history import history
from orchestrator.cli.plan import plan
from orchestrator.cli.rehearse import rehearse
from orchestrator.cli.repair import repair
from orchestrator.cli.restore import restore
from orchestrator.cli.rollback import rollback
from orchestrator.cli.status import status
from orchestrator.cli.verify import verify
from orchestrator.cli.workbook import workbook


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Migrate the ZEUES Google Sheet between schema versions, safely and verifiably.

    Exit codes: 0 ok, 1 internal error, 2 usage/configuration/access, 3 lock busy, 4 refused (drift or
    validation; nothing changed), 5 an interrupted or failed run needs attention, 6 verification failed,
    7 bridge script error, 8 migrations pending (status --check), 9 Google unreachable or quota exhausted,
    10 the sheet's structure changed while it was read (rerun to resume).
    """


for command in (plan, apply, verify, status, history, rollback, restore, backups, hold, resolve, repair, doctor,
                dump, rehearse, workbook):
    main.add_command(command)
