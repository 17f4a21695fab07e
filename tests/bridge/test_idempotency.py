"""Every mutating bridge call is idempotent by opId: a call whose answer was lost ran once, and repeating it with
the same opId answers the recorded result (`replayed: true`) without acting again. A backup is made once: it is
recorded `in_progress` before the copy and `done` after, so a run killed in between is finished by adopting the
copy (found in Drive by the marker in its name), never by a second copy (docs/bridge.md, "Backups are made
once")."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.bridge.conftest import v30
from tests.bridge.helpers import HISTORY, V30_COLUMNS, apply, expected_headers, history
from tests.support.cli import fingerprint
from tests.support.live import BridgeError, Live, op_id

BACKUP_OF = "zeues.backup_of"
HOLD = "zeues.hold"


# -- helpers ---------------------------------------------------------------------------------------------------
def answer_lost_then_repeated(emulator: Any, live: Live, function: str, request: dict[str, Any]) -> Any:
    """Run `function` with its reply lost (it runs; the client sees a dropped connection), then repeat it."""
    emulator.script_control(loseReply=1, function=function)
    with pytest.raises(requests.exceptions.ConnectionError):
        live.run(function, request)
    return live.run(function, request)


def rows_of(live: Live, sid: str, op: str) -> list[dict[str, str]]:
    return [r for r in history(live, sid) if r["operation_id"] == op]


def spreadsheets(emulator: Any) -> set[str]:
    return set(emulator.state()["spreadsheets"])


def backup(live: Live, sid: str, op: str, **extra: Any) -> Any:
    return live.run("backupSpreadsheet", {"opId": op, "spreadsheetId": sid, "label": "test", **extra})


def refused(live: Live, function: str, request: dict[str, Any]) -> BridgeError:
    with pytest.raises(BridgeError) as caught:
        live.run(function, request)
    return caught.value


def drive_search(live: Live, marker: str) -> list[dict[str, Any]]:
    """What the orchestrator does to find a copy (it has Drive read access; the bridge has none)."""
    got = requests.get(f"{live.url}/drive/v3/files", timeout=30, headers={"Authorization": f"Bearer {live.token}"},
                       params={"q": f"name contains '{marker}' and trashed = false", "fields": "files(id,name)"})
    got.raise_for_status()
    return got.json()["files"]  # type: ignore[no-any-return]


def batch_updates_of(sid: str) -> str:
    return rf"^/v4/spreadsheets/{re.escape(sid)}:batchUpdate$"


def kill_before_the_done_row(emulator: Any, sid: str) -> None:
    """The original gets two batchUpdates per backup: the `in_progress` row passes, the `done` row fails — as
    a run killed between the copy (tagged) and its record."""
    emulator.fault(path=batch_updates_of(sid), count=1)  # no status: a rule that lets one through
    emulator.fault(path=batch_updates_of(sid), status=500, count=1)


def begun_with_copy(emulator: Any, live: Live, sid: str, op: str) -> str:
    """A backup killed after its copy was made and tagged; returns the copy's id."""
    before = spreadsheets(emulator)
    kill_before_the_done_row(emulator, sid)
    error = refused(live, "backupSpreadsheet", {"opId": op, "spreadsheetId": sid, "label": "test"})
    assert error.code == "ZEUES_FAILED" and "adoptCopyId" in error.message, error.message
    emulator.reset()
    (copy_id,) = spreadsheets(emulator) - before
    assert error.message.count(copy_id) >= 1
    return copy_id


def tag_of(live: Live, sid: str) -> dict[str, Any] | None:
    found = live.metadata(sid, BACKUP_OF)
    return json.loads(found[0]["metadataValue"]) if found else None


# -- item 1: every mutating call, its reply lost, acts once -----------------------------------------------------
def test_apply_with_its_answer_lost_is_applied_once(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    op = op_id()
    request = {"opId": op, "spreadsheetId": sid, "migration": v30(), "expectedHeaders": expected_headers(live, sid)}
    again = answer_lost_then_repeated(emulator, live, "applyMigration", request)
    assert again["status"] == "applied" and again["replayed"] is True
    header = live.header(sid, "Operaciones")
    assert [c for c in header if c in V30_COLUMNS] == V30_COLUMNS, "each column once"
    (row,) = rows_of(live, sid, op)
    assert row["action"] == "apply" and row["status"] == "applied"
    assert {k: v for k, v in again.items() if k != "replayed"} == json.loads(row["details"])["result"]


def test_rollback_with_its_answer_lost_is_rolled_back_once(emulator: Any, live: Live,
                                                          new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    apply(live, sid, v30())
    titles = live.sheet_titles(sid)
    op = op_id()
    again = answer_lost_then_repeated(emulator, live, "rollbackMigration",
                                      {"opId": op, "spreadsheetId": sid, "migrationId": "3.0"})
    assert again["status"] == "rolled_back" and again["replayed"] is True
    archives = [t for t in live.sheet_titles(sid) if t not in titles]
    assert archives == [again["archiveSheet"]], "one archive: it ran once"
    assert not set(V30_COLUMNS) & set(live.header(sid, "Operaciones"))
    (row,) = rows_of(live, sid, op)
    assert row["action"] == "rollback" and row["status"] == "rolled_back"


def test_a_forced_restore_with_its_answer_lost_restores_once(emulator: Any, live: Live,
                                                             new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    made = backup(live, sid, op_id())
    live.update(sid, "Operaciones!B2", [["before the restore"]])
    op = op_id()
    request = {"opId": op, "spreadsheetId": sid, "backupId": made["backupId"], "force": True}
    emulator.script_control(loseReply=1, function="restoreBackup")
    with pytest.raises(requests.exceptions.ConnectionError):
        live.run("restoreBackup", request)
    assert live.values(sid, "Operaciones!B2") != [["before the restore"]], "the lost call ran"
    live.update(sid, "Operaciones!B2", [["written after the restore"]])
    again = live.run("restoreBackup", request)
    assert again["status"] == "restored" and again["replayed"] is True
    assert live.values(sid, "Operaciones!B2") == [["written after the restore"]], "not restored a second time"
    (row,) = rows_of(live, sid, op)
    assert row["action"] == "restore" and row["status"] == "restored"


@pytest.mark.parametrize("hold", [True, False])
def test_a_hold_or_release_with_its_answer_lost_happens_once(emulator: Any, live: Live, new_sheet: Callable[..., str],
                                                             hold: bool) -> None:
    sid = new_sheet(spools=5)
    if not hold:
        live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": True, "reason": "to release"})
    op = op_id()
    again = answer_lost_then_repeated(emulator, live, "setHold",
                                      {"opId": op, "spreadsheetId": sid, "hold": hold, "reason": "month-end"})
    assert again["status"] == ("held" if hold else "released") and again["replayed"] is True
    holds = live.metadata(sid, HOLD)
    assert len(holds) == (1 if hold else 0)
    if hold:
        assert json.loads(holds[0]["metadataValue"]) == again["hold"], "the hold the first call set, answered again"
    (row,) = rows_of(live, sid, op)
    assert row["action"] == ("hold" if hold else "release") and row["status"] == "done"


def test_a_resolve_with_its_answer_lost_resolves_once(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=5)
    apply(live, sid, v30())
    failed_op = op_id()
    live.append(sid, f"'{HISTORY}'!A1", [["3.1", "", "apply", "failed", "", "", "someone", "", failed_op, "{}"]])
    assert live.run("describeSchema", {"spreadsheetId": sid})["unresolvedFailure"]["operation_id"] == failed_op
    op = op_id()
    again = answer_lost_then_repeated(emulator, live, "resolveFailure",
                                      {"opId": op, "spreadsheetId": sid, "note": "looked at"})
    assert again == {"status": "resolved", "resolvedOperation": failed_op, "replayed": True}
    assert [r["action"] for r in history(live, sid)].count("resolve") == 1
    (row,) = rows_of(live, sid, op)
    assert row["status"] == "done"
    assert live.run("describeSchema", {"spreadsheetId": sid})["unresolvedFailure"] is None


def test_a_backup_with_its_answer_lost_is_made_once(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    before = spreadsheets(emulator)
    op = op_id()
    again = answer_lost_then_repeated(emulator, live, "backupSpreadsheet",
                                      {"opId": op, "spreadsheetId": sid, "label": "lost"})
    assert again["status"] == "backed_up" and again["replayed"] is True
    assert spreadsheets(emulator) - before == {again["backupId"]}, "one copy"
    (row,) = rows_of(live, sid, op)
    assert row["action"] == "backup" and row["status"] == "done" and row["backup_id"] == again["backupId"]


# -- item 2: a backup is recorded before and after its copy, and made once --------------------------------------
def test_a_backup_is_recorded_in_its_one_row_and_its_name_carries_the_marker(emulator: Any, live: Live,
                                                                             new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    op = op_id()
    made = backup(live, sid, op)
    marker = "#" + op[:8]
    assert made["name"].endswith(" " + marker) and made["name"].startswith(
        live.run("describeSchema", {"spreadsheetId": sid})["title"] + " — backup test ")
    assert drive_search(live, marker) == [{"id": made["backupId"], "name": made["name"]}]
    (row,) = rows_of(live, sid, op)
    assert row["status"] == "done" and row["backup_id"] == made["backupId"] and row["finished_at"]
    assert json.loads(row["details"])["result"] == made
    # The copy's history holds the same row (it was copied in progress and finished with the tag).
    (copied,) = rows_of(live, made["backupId"], op)
    assert copied["status"] == "done" and copied["backup_id"] == made["backupId"]
    assert tag_of(live, made["backupId"])["opId"] == op  # type: ignore[index]


def test_killed_between_copy_and_record_the_rerun_adopts_the_copy_instead_of_copying_again(
        emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    op = op_id()
    copy_id = begun_with_copy(emulator, live, sid, op)
    (row,) = rows_of(live, sid, op)
    assert row["status"] == "in_progress" and row["backup_id"] == ""
    described = live.run("describeSchema", {"spreadsheetId": sid})
    assert described["unresolvedFailure"] is None, "a backup that never finished blocks nothing"
    after_kill = spreadsheets(emulator)

    unconfirmed = backup(live, sid, op)
    marker = "#" + op[:8]
    assert unconfirmed["status"] == "backup_unconfirmed" and unconfirmed["marker"] == marker
    assert unconfirmed["name"].endswith(marker) and unconfirmed["startedAt"] == row["started_at"]
    assert spreadsheets(emulator) == after_kill, "no second copy"

    (found,) = drive_search(live, marker)
    assert found == {"id": copy_id, "name": unconfirmed["name"]}
    adopted = backup(live, sid, op, adoptCopyId=found["id"])
    assert adopted == {"status": "backed_up", "backupId": copy_id, "name": unconfirmed["name"],
                       "backupUrl": f"https://docs.google.com/spreadsheets/d/{copy_id}/edit"}
    assert spreadsheets(emulator) == after_kill, "still no second copy"
    (row,) = rows_of(live, sid, op)
    assert row["status"] == "done" and row["backup_id"] == copy_id and row["started_at"] == unconfirmed["startedAt"]
    assert tag_of(live, copy_id)["opId"] == op  # type: ignore[index]
    assert backup(live, sid, op) == {**adopted, "replayed": True}
    assert apply(live, sid, v30())["status"] == "applied", "the original takes changes"


@pytest.mark.parametrize("rehearsal", [False, True])
def test_killed_before_the_copy_was_tagged_the_copy_is_adopted_and_tagged_then(
        emulator: Any, live: Live, new_sheet: Callable[..., str], rehearsal: bool) -> None:
    sid = new_sheet(spools=10)
    live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": True, "reason": "kept on the original"})
    op = op_id()
    before = spreadsheets(emulator)
    # Fail the first batchUpdate on any spreadsheet but the original: the copy's (tag and row, or row only).
    emulator.fault(path=rf"^/v4/spreadsheets/(?!{re.escape(sid)}:)[^/]+:batchUpdate$", status=500, count=1)
    error = refused(live, "backupSpreadsheet", {"opId": op, "spreadsheetId": sid, "label": "x", "rehearsal": rehearsal})
    emulator.reset()
    (copy_id,) = spreadsheets(emulator) - before
    assert error.code == "ZEUES_FAILED" and f'adoptCopyId "{copy_id}"' in error.message
    assert tag_of(live, copy_id) is None and rows_of(live, copy_id, op)[0]["status"] == "in_progress"

    assert backup(live, sid, op)["status"] == "backup_unconfirmed"
    adopted = backup(live, sid, op, adoptCopyId=copy_id)
    assert adopted["status"] == "backed_up" and adopted["backupId"] == copy_id
    assert spreadsheets(emulator) == before | {copy_id}
    assert rows_of(live, sid, op)[0]["status"] == "done"
    assert rows_of(live, copy_id, op)[0]["status"] == "done", "the copy's history tells no unfinished story"
    if rehearsal:
        assert tag_of(live, copy_id) is None, "a rehearsal copy stays a working copy"
    else:
        tag = tag_of(live, copy_id)
        assert tag is not None and tag["original"] == sid and tag["opId"] == op and tag["label"] == "x"
        assert live.metadata(copy_id, HOLD) == [], "the hold is the original's, as for any backup"
        (menu,) = emulator.menu_run(copy_id, "onOpen")["menus"]
        assert menu["name"].startswith("Copia de seguridad ZEUES de")
    assert len(live.metadata(sid, HOLD)) == 1


def test_killed_before_the_copy_it_copies_only_when_told_there_is_none(emulator: Any, live: Live,
                                                                       new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    op = op_id()
    before = spreadsheets(emulator)
    emulator.fault(path=rf"^/drive/v3/files/{re.escape(sid)}/copy$", status=500, count=1)
    refused(live, "backupSpreadsheet", {"opId": op, "spreadsheetId": sid, "label": "test"})
    emulator.reset()
    assert spreadsheets(emulator) == before and rows_of(live, sid, op)[0]["status"] == "in_progress"

    unconfirmed = backup(live, sid, op)
    assert unconfirmed["status"] == "backup_unconfirmed" and drive_search(live, unconfirmed["marker"]) == []
    assert spreadsheets(emulator) == before
    made = backup(live, sid, op, adoptCopyId=None, confirmNoCopy=True)
    assert made["status"] == "backed_up" and made["name"] == unconfirmed["name"]
    assert spreadsheets(emulator) - before == {made["backupId"]}, "one copy"
    (row,) = rows_of(live, sid, op)
    assert row["status"] == "done" and row["backup_id"] == made["backupId"]
    assert tag_of(live, made["backupId"])["opId"] == op  # type: ignore[index]
    assert backup(live, sid, op, adoptCopyId=None, confirmNoCopy=True) == {**made, "replayed": True}
    assert spreadsheets(emulator) - before == {made["backupId"]}


def test_adopting_a_spreadsheet_that_is_not_the_operations_copy_is_refused_with_nothing_changed(
        emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid, other = new_sheet(spools=10), new_sheet(spools=5, seed=2)
    op = op_id()
    copy_id = begun_with_copy(emulator, live, sid, op)
    another_backup = backup(live, sid, op_id())["backupId"]
    backup_of_other = backup(live, other, op_id())["backupId"]
    candidates = {
        "another backup of this original": (another_backup, "ZEUES_CONFLICT", "made by operation"),
        "a backup of another spreadsheet": (backup_of_other, "ZEUES_CONFLICT",
                                            f"backup of another spreadsheet ({other})"),
        "a live spreadsheet": (other, "ZEUES_CONFLICT", "is untagged and named"),
        "the original itself": (sid, "ZEUES_INVALID_REQUEST", "the original itself"),
        "nothing": ("no-such-spreadsheet", "ZEUES_NOT_FOUND", "cannot open no-such-spreadsheet"),
    }
    watched = [sid, copy_id, another_backup, backup_of_other, other]
    before = {s: fingerprint(live, emulator, s) for s in watched}
    for what, (candidate, code, says) in candidates.items():
        error = refused(live, "backupSpreadsheet", {"opId": op, "spreadsheetId": sid, "adoptCopyId": candidate})
        assert error.code == code and says in error.message, (what, error.message)
        assert "nothing was changed" in error.message or code != "ZEUES_CONFLICT", what
    assert {s: fingerprint(live, emulator, s) for s in watched} == before, "nothing changed, nothing copied"
    assert rows_of(live, sid, op)[0]["status"] == "in_progress"

    # Malformed: adopting under an opId that began nothing, or adopting and denying a copy at once.
    fresh = refused(live, "backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid, "adoptCopyId": copy_id})
    assert fresh.code == "ZEUES_INVALID_REQUEST" and "no backup with opId" in fresh.message
    both = refused(live, "backupSpreadsheet", {"opId": op, "spreadsheetId": sid, "adoptCopyId": copy_id,
                                               "confirmNoCopy": True})
    assert both.code == "ZEUES_INVALID_REQUEST" and "not both" in both.message
    assert {s: fingerprint(live, emulator, s) for s in watched} == before

    assert backup(live, sid, op, adoptCopyId=copy_id)["backupId"] == copy_id, "the right copy is still adopted"
