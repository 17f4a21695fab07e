"""A reply lost on the way back (the bridge acted, the CLI never heard) and the same command run again: the
change happens once. Every mutating verb keeps the opId it chose before its call, so the rerun sends the same
one and the bridge answers from its record. Also: restore runs through the same loop as apply and rollback."""

from __future__ import annotations

from collections.abc import Callable

from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.e2e.conftest import Cli, history
from tests.support.live import Live


def _lose_the_reply_then_rerun(cli: Cli, emulator: Emulator, function: str, *args: str, sid: str) -> dict[str, object]:
    emulator.script_control(loseReply=1, function=function)
    lost = cli(*args, sid=sid)
    assert lost.code == ExitCode.GOOGLE_UNAVAILABLE, (lost.code, lost.stderr[-1500:])
    again = cli(*args, sid=sid)
    assert again.code == 0, again.stderr[-2000:]
    result: dict[str, object] = again.result
    return result


def test_hold_release_and_resolve_act_once_after_a_lost_reply(cli: Cli, live: Live, emulator: Emulator,
                                                              new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(20)
    held = _lose_the_reply_then_rerun(cli, emulator, "setHold", "hold", "--reason", "cierre de mes", sid=sid)
    assert held["status"] == "held" and held.get("replayed") is True
    released = _lose_the_reply_then_rerun(cli, emulator, "setHold", "hold", "--release", sid=sid)
    assert released["status"] == "released" and released.get("replayed") is True
    assert [h["action"] for h in history(live, sid)] == ["hold", "release"]
    # A new hold is a new operation (its opId was retired with the last one's success).
    assert cli("hold", sid=sid).result["status"] == "held"
    assert [h["action"] for h in history(live, sid)] == ["hold", "release", "hold"]

    live.append(sid, "'_zeues_migrations'!A1", [["3.0", "", "apply", "failed", "", "", "x", "", "op-failed", "{}"]])
    resolved = _lose_the_reply_then_rerun(cli, emulator, "resolveFailure", "resolve", "--note", "visto", sid=sid)
    assert resolved.get("replayed") is True
    assert [h["action"] for h in history(live, sid)].count("resolve") == 1
    assert cli("doctor", sid=sid).result[-1]["status"] == "ok", "no operation is left in flight"


def test_restore_runs_the_loop_and_acts_once_after_a_lost_reply(cli: Cli, live: Live, emulator: Emulator,
                                                                new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(30)
    original = live.values(sid, "Operaciones!A1:BL40", "FORMULA")
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr[-2000:]
    backup_id = applied.result["runs"][0]["backup_id"]
    copies = len(emulator.state()["spreadsheets"])

    # Killed right after the bridge restored, before the run recorded it: the bridge acted, the CLI never knew.
    killed = cli("restore", backup_id, "--execute", "--yes", sid=sid, failpoints="reply:restore")
    assert killed.code != 0 and [h["action"] for h in history(live, sid)].count("restore") == 1
    again = cli("restore", backup_id, "--execute", "--yes", sid=sid)
    assert again.code == 0, again.stderr[-2000:]
    report = again.result
    assert report["action"] == "restore" and report["status"] == "restored" and report["resumed"] is True
    assert report["bridge_result"].get("replayed") is True  # type: ignore[union-attr]
    verification = report["verification"]
    assert isinstance(verification, dict) and verification["status"] == "passed", verification
    assert verification["cells_checked"] > 0
    assert [h["action"] for h in history(live, sid)].count("restore") == 1
    assert live.values(sid, "Operaciones!A1:BL40", "FORMULA") == original, "the sheet is the backup's again"
    # One backup of what the restore replaced, made once although the command ran twice.
    assert len(emulator.state()["spreadsheets"]) == copies + 1
    assert report["backup_id"] and report["backup_id"] != backup_id


def test_a_backup_killed_between_its_copy_and_its_record_is_adopted_not_made_again(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(30)
    copies = len(emulator.state()["spreadsheets"])
    batch_updates = rf"^/v4/spreadsheets/{sid}:batchUpdate$"
    # The original gets two batchUpdates per backup: the `in_progress` row passes, the `done` row fails (as an
    # execution killed after the copy was made).
    emulator.fault(path=batch_updates, count=1)
    emulator.fault(path=batch_updates, status=500, count=1)
    first = cli("apply", "--execute", "--yes", sid=sid)
    assert first.code != 0 and len(emulator.state()["spreadsheets"]) == copies + 1, "the copy was made"
    rerun = cli("apply", "--execute", "--yes", sid=sid)
    assert rerun.code == 0, rerun.stderr[-2000:]
    (report,) = rerun.result["runs"]
    assert report["resumed"] is True and report["status"] == "applied"
    assert len(emulator.state()["spreadsheets"]) == copies + 1, "no second copy of the spreadsheet"
    assert "found the copy an interrupted try made" in rerun.stderr
    backups = [h for h in history(live, sid) if h["action"] == "backup"]
    assert [(h["status"], h["backup_id"]) for h in backups] == [("done", report["backup_id"])]
