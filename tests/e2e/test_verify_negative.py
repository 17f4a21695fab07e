"""The verifier fails, end to end, when the sheet is wrong: the real CLI against the emulator, the sheet made wrong
at the right moment (the run killed by a failpoint right after its change, the sheet edited through the Sheets
API, the run resumed), and the named check, exit code 6 and the checkpoint kept for a rerun.

The unit tests over a fake reader (tests/unit/engine/test_verify_negative.py) cover every check; these prove
the same failures reach the operator through the run loop, per kind: apply, rollback, the backup proof and the
standalone `verify`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.contract.metadata import MetaKey
from orchestrator.domain.columns import column_letter
from orchestrator.exit_codes import ExitCode
from tests.e2e.conftest import Cli, Result
from tests.support.live import Live

SPOOLS = 20
NEW = ["Ocupado_Por", "Fecha_Ocupacion", "version"]


def _checkpoint(cli: Cli, sid: str, action: str) -> dict[str, Any] | None:
    path = cli.checkpoints / sid / f"{action}-3.0.json"
    return json.loads(path.read_text()) if path.exists() else None


def _killed_after(cli: Cli, sid: str, *command: str) -> None:
    point = "after:" + ("rollback" if command[0] == "rollback" else command[0])
    killed = cli(*command, "--execute", "--yes", sid=sid, failpoints=point)
    assert killed.code == -9, (killed.code, killed.stderr[-2000:])


def _column(live: Live, sid: str, name: str) -> str:
    return column_letter(live.header(sid, "Operaciones").index(name))


def _drop_tag(live: Live, sid: str) -> None:
    tag = next(m for m in live.metadata(sid, MetaKey.COLUMN) if m["metadataValue"] == "Fecha_Ocupacion")
    live.batch_update(sid, [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
        "metadataId": tag["metadataId"]}}}}])


def _wrong_default(live: Live, sid: str) -> None:
    live.update(sid, f"'Operaciones'!{_column(live, sid, 'version')}2", [[7]], "RAW")


def _rename_old_header(live: Live, sid: str) -> None:
    live.update(sid, "'Operaciones'!B1", [["TAG"]], "RAW")


def _assert_failed(run: Result, check: str) -> None:
    assert run.code == ExitCode.VERIFY_FAILED, (run.code, run.stdout[-2000:], run.stderr[-2000:])
    assert run.error["code"] == "VERIFY_FAILED", run.error
    assert check in run.message, run.message


@pytest.mark.parametrize(("wrong", "check"), [
    (_drop_tag, "Operaciones: new columns tagged"),
    (_wrong_default, "Operaciones: defaults of the new columns"),
    (_rename_old_header, "Operaciones: old header unchanged in names and positions"),
])
def test_an_apply_whose_sheet_is_wrong_after_the_change_fails_verification_and_keeps_its_run(
        cli: Cli, live: Live, new_sheet: Callable[..., str], wrong: Callable[[Live, str], None], check: str) -> None:
    sid = new_sheet(SPOOLS)
    _killed_after(cli, sid, "apply")
    wrong(live, sid)
    run = cli("apply", "--execute", "--yes", sid=sid)
    _assert_failed(run, check)
    kept = _checkpoint(cli, sid, "apply")
    assert kept is not None and "apply" in kept["steps"], "the run stays in flight, not retired"
    assert not list((cli.checkpoints / sid / "finished").glob("*.json"))
    # A rerun verifies again (it does not re-apply): still failed, still kept.
    _assert_failed(cli("apply", "--execute", "--yes", sid=sid), check)
    assert _checkpoint(cli, sid, "apply") is not None


def test_a_rollback_whose_archive_was_altered_fails_verification_and_keeps_its_run(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(SPOOLS)
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    live.update(sid, f"'Operaciones'!{_column(live, sid, 'Ocupado_Por')}3", [["MR(93)"]], "RAW")
    _killed_after(cli, sid, "rollback", "3.0")
    archive = next(t for t in live.sheet_titles(sid) if t.startswith("_zeues_archive_"))
    rows = live.values(sid, f"'{archive}'", "FORMULA")
    at = next(i for i, r in enumerate(rows) if "MR(93)" in r)
    live.update(sid, f"'{archive}'!D{at + 1}", [["JP(7)"]], "RAW")
    run = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    _assert_failed(run, "Operaciones: archive holds exactly the removed columns' values")
    kept = _checkpoint(cli, sid, "rollback")
    assert kept is not None and "rollback" in kept["steps"]


def test_a_backup_with_another_header_is_refused_before_any_change_and_the_run_kept(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(SPOOLS)
    killed = cli("apply", "--execute", "--yes", sid=sid, failpoints="after:backup")
    assert killed.code == -9
    state = _checkpoint(cli, sid, "apply")
    assert state is not None
    backup_id = state["steps"]["backup"]["data"]["backupId"]
    live.update(backup_id, "'Operaciones'!C1", [["Armador_2"]], "RAW")
    run = cli("apply", "--execute", "--yes", sid=sid)
    assert run.code == ExitCode.REFUSED, (run.code, run.stderr[-2000:])
    assert run.error["code"] == "BACKUP_MISMATCH", run.error
    assert not [h for h in live.header(sid, "Operaciones") if h in NEW], "nothing was applied"
    kept = _checkpoint(cli, sid, "apply")
    assert kept is not None and "verify_backup" not in kept["steps"]


def test_the_standalone_verify_fails_when_tags_and_header_disagree(cli: Cli, live: Live,
                                                                  new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(SPOOLS)
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    assert cli("verify", sid=sid).code == 0
    # Two new columns' names swapped by hand: each tag now stands under the other's name.
    first, second = _column(live, sid, "Fecha_Ocupacion"), _column(live, sid, "version")
    live.update(sid, f"'Operaciones'!{first}1:{second}1", [["version", "Fecha_Ocupacion"]], "RAW")
    run = cli("verify", sid=sid)
    assert run.code == ExitCode.VERIFY_FAILED, (run.code, run.stdout[-2000:])
    for name in ("Operaciones: Fecha_Ocupacion present and tagged", "Operaciones: version present and tagged"):
        assert f"FAIL {name}" in run.message, run.message
