"""A backup proven, not assumed (issue 12, finding 6): every cell of the copy must equal the snapshot's value or
the live sheet's value read right after the copy — a write made before the copy is in both the copy and the live
sheet, one made after it in the live sheet only, a damaged copy in neither. A copy emptied or altered between
`backup` and `verify_backup` is refused (BACKUP_MISMATCH, exit 4) before anything changes, naming the backup (id
and link) and what differs; the rerun with --discard-checkpoint makes a new backup and applies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.domain.columns import column_letter
from orchestrator.exit_codes import ExitCode
from tests.faults.conftest import (
    Baseline,
    Cli,
    applied_once,
    checkpoint,
    full_verification,
    history,
    lost_cells,
    single_apply_report,
)
from tests.support.live import Live


def killed(cli: Cli, sid: str, after: str) -> dict[str, Any]:
    run = cli("apply", "--execute", "--yes", sid=sid, failpoints=f"after:{after}")
    assert run.code == -9, (run.code, run.stderr[-2000:])
    kept = checkpoint(cli, sid)
    assert kept is not None
    return kept


def unchanged(live: Live, sid: str, baseline: Baseline) -> None:
    """Nothing of the migration happened: no 3.0 column, no apply in the history, every v2.1 cell as it was."""
    assert "Ocupado_Por" not in live.header(sid, "Operaciones")
    assert [h["action"] for h in history(live, sid)] == ["backup"]
    assert lost_cells(live, sid, baseline) == []


def cell(live: Live, sid: str, sheet: str, column: str, row: int) -> str:
    return f"'{sheet}'!{column_letter(live.header(sid, sheet).index(column))}{row}"


def test_an_emptied_backup_is_refused_before_any_change_then_a_new_one_is_made(
        cli: Cli, live: Live, new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    backup = killed(cli, sid, "backup")["steps"]["backup"]["data"]
    live.sheets.spreadsheets().values().batchClear(spreadsheetId=backup["backupId"], body={
        "ranges": ["'Operaciones'!A2:ZZ", "'Metadata'!A2:ZZ"]}).execute()

    run = cli("apply", "--execute", "--yes", sid=sid)
    assert run.code == int(ExitCode.REFUSED), (run.code, run.stdout[-2000:], run.stderr[-2000:])
    assert run.error["code"] == "BACKUP_MISMATCH", run.error
    message = run.message
    assert backup["backupId"] in message and backup["backupUrl"] in message, message
    assert "equal neither the snapshot nor the live sheet" in message and "Operaciones row 2" in message, message
    assert "nothing was changed" in message and "--discard-checkpoint" in message, message
    unchanged(live, sid, baseline)

    again = cli("apply", "--execute", "--yes", "--discard-checkpoint", sid=sid)
    report = single_apply_report(again)
    assert report["status"] == "applied" and report["backup_id"] != backup["backupId"]
    full_verification(cli, sid, report)
    applied_once(live, sid)
    assert [h["action"] for h in history(live, sid)] == ["backup", "backup", "apply"]


def test_one_altered_backup_cell_is_named_with_its_three_values(cli: Cli, live: Live,
                                                                 new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    backup = killed(cli, sid, "backup")["steps"]["backup"]["data"]["backupId"]
    a1 = cell(live, sid, "Operaciones", "Armador", 7)
    was = live.values(sid, a1, "FORMULA")
    live.update(backup, a1, [["XX(0)"]])

    run = cli("apply", "--execute", "--yes", sid=sid)
    assert run.code == int(ExitCode.REFUSED) and run.error["code"] == "BACKUP_MISMATCH", run.stderr[-2000:]
    before = was[0][0] if was and was[0] else ""
    assert "1 cells equal neither" in run.message, run.message
    assert f"Armador: snapshot {before!r}, live {before!r}, backup 'XX(0)'" in run.message, run.message
    unchanged(live, sid, baseline)


def test_writes_before_and_after_the_copy_prove_a_faithful_backup(cli: Cli, live: Live,
                                                                  new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    baseline = Baseline.read(live, sid)
    killed(cli, sid, "snapshot")
    first = cell(live, sid, "Operaciones", "Soldador", 5)
    live.update(sid, first, [["CW(1)"]])  # after the snapshot, before the copy: in the copy and the live sheet
    killed(cli, sid, "backup")
    second = cell(live, sid, "Operaciones", "Soldador", 9)
    live.update(sid, second, [["CW(2)"]])  # after the copy: in the live sheet only
    baseline.writes.update({("Operaciones", 5, live.header(sid, "Operaciones").index("Soldador")): "CW(1)",
                            ("Operaciones", 9, live.header(sid, "Operaciones").index("Soldador")): "CW(2)"})

    report = single_apply_report(cli("apply", "--execute", "--yes", sid=sid))
    assert report["status"] == "applied"
    full_verification(cli, sid, report, concurrent=True)
    done = json.loads(Path(report["checkpoint"]).read_text())
    assert done["steps"]["verify_backup"]["data"] == {"concurrentChanges": 1}  # the first write, in the copy
    assert lost_cells(live, sid, baseline) == []
