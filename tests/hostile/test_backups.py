"""The operator aims the real CLI at a backup's id by mistake (it is one copy-paste away from the original's):
the bridge refuses it with ZEUES_IS_BACKUP, the documented refusal (exit 4), and neither the backup nor the
original changes."""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.exit_codes import ExitCode
from tests.hostile.conftest import Fingerprint, refused
from tests.support.cli import Cli
from tests.support.live import Live, op_id


def test_apply_and_restore_aimed_at_a_backup_are_refused_and_change_nothing(
        cli: Cli, live: Live, new_sheet: Callable[..., str], observe: Fingerprint) -> None:
    sid = new_sheet()
    made = live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid, "label": "manual"})
    backup_id = made["backupId"]
    before, original = observe(backup_id), observe(sid)

    run = cli("apply", "--execute", "--yes", sid=backup_id)
    refused(run, ExitCode.REFUSED, "IS_BACKUP", f"{backup_id} is a ZEUES backup of", f"({sid})",
            "run this against the original")
    run = cli("restore", made["backupId"], "--execute", "--yes", sid=backup_id)  # into the backup itself
    refused(run, ExitCode.REFUSED, "IS_BACKUP", "run this against the original")

    assert observe(backup_id) == before, "the backup is unchanged and no copy of it was made"
    assert observe(sid) == original
    assert CheckpointStore(cli.checkpoints).in_flight() == [], "no run is left in flight for the backup's id"
