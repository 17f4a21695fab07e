"""A backup copy carries the bound bridge (as on Google), so it is tagged and inert: its menu only leads to the
original, and every change aimed at it — through scripts.run or the menu — is refused with nothing changed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from orchestrator.codegen import owner_text
from orchestrator.emulator import EmulatorError
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.bridge.conftest import v30
from tests.bridge.helpers import apply, history
from tests.support.cli import fingerprint
from tests.support.live import BridgeError, Live, op_id

BACKUP_OF = "zeues.backup_of"
CHANGES_FROM_THE_MENU = ("menuBackupNow", "menuApplyPending", "menuRollbackLast", "menuPause", "menuResume")


def backup(live: Live, sid: str, label: str = "test", op: str | None = None) -> dict[str, Any]:
    return live.run("backupSpreadsheet", {"opId": op or op_id(), "spreadsheetId": sid,  # type: ignore[no-any-return]
                                          "label": label})


def tag_of(live: Live, sid: str) -> dict[str, Any]:
    (md,) = live.metadata(sid, BACKUP_OF)
    assert md["location"] == {"locationType": "SPREADSHEET", "spreadsheet": True} and md["visibility"] == "DOCUMENT"
    return json.loads(md["metadataValue"])  # type: ignore[no-any-return]


def local_time(iso: str) -> str:
    """The backup time as its menu shows it: the sheet's zone (America/Santiago), to the minute."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo("America/Santiago")).strftime(
        "%Y-%m-%d %H:%M")


def refusal(live: Live, function: str, request: dict[str, Any]) -> BridgeError:
    with pytest.raises(BridgeError) as caught:
        live.run(function, {"opId": op_id(), **request})
    return caught.value


def test_a_backup_is_tagged_with_its_original_and_time_and_keeps_no_hold(live: Live,
                                                                          new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    apply(live, sid, v30())
    live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": True, "reason": "month-end"})
    op = op_id()
    made = backup(live, sid, "before x", op)
    title = live.run("describeSchema", {"spreadsheetId": sid})["title"]

    tag = tag_of(live, made["backupId"])
    assert tag == {"original": sid, "title": title, "url": f"https://docs.google.com/spreadsheets/d/{sid}/edit",
                   "createdAt": tag["createdAt"], "label": "before x", "opId": op}
    row = next(r for r in history(live, sid) if r["action"] == "backup")
    assert tag["createdAt"] == row["started_at"]
    assert live.metadata(sid, BACKUP_OF) == [], "the original is not tagged"
    # The copy keeps what a restore puts back (schema version, event types, column tags); not the live hold.
    described = live.run("describeSchema", {"spreadsheetId": made["backupId"]})
    assert described["backupOf"] == tag and described["hold"] is None and described["schemaVersion"] == "3.0"
    assert [t["name"] for t in described["columnTags"]] == ["Ocupado_Por", "Fecha_Ocupacion", "version"]
    assert live.run("describeSchema", {"spreadsheetId": sid})["hold"]["reason"] == "month-end"
    assert live.run("describeSchema", {"spreadsheetId": sid})["backupOf"] is None


def test_on_open_of_a_backup_shows_only_the_backup_menu_in_the_sheets_language(
        emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=5)  # es_CL, as the production sheet
    made = backup(live, sid)
    tag = tag_of(live, made["backupId"])
    before = fingerprint(live, emulator, made["backupId"])

    run = emulator.menu_run(made["backupId"], "onOpen")
    assert not run.get("error"), run
    assert run["menus"] == [{"name": f"Copia de seguridad ZEUES de {tag['title']}, {local_time(tag['createdAt'])}",
                             "items": [{"caption": "Abrir el original", "functionName": "menuOpenOriginal"}]}]
    opened = emulator.menu_run(made["backupId"], "menuOpenOriginal")
    (alert,) = opened["alerts"]
    assert alert["buttons"] == "OK" and tag["url"] in alert["prompt"] and tag["title"] in alert["prompt"]
    assert fingerprint(live, emulator, made["backupId"]) == before

    # The original keeps the full menu.
    (menu,) = emulator.menu_run(sid, "onOpen")["menus"]
    assert menu["name"] == "ZEUES Migration"


def test_an_english_backup_menu(emulator: Any, live: Live) -> None:
    resource = copy.deepcopy(build_workbook(WorkbookOptions(spools=5, seed=3)))
    resource["properties"]["locale"] = "en_US"
    sid = emulator.create_spreadsheet(resource)
    made = backup(live, sid)
    tag = tag_of(live, made["backupId"])
    (menu,) = emulator.menu_run(made["backupId"], "onOpen")["menus"]
    assert menu == {"name": f"ZEUES backup of {tag['title']}, {local_time(tag['createdAt'])}",
                    "items": [{"caption": "Open the original", "functionName": "menuOpenOriginal"}]}


def test_every_change_aimed_at_a_backup_is_refused_with_nothing_changed(emulator: Any, live: Live,
                                                                        new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    applied_op = op_id()
    apply(live, sid, v30(), opId=applied_op)
    first, second = backup(live, sid)["backupId"], backup(live, sid)["backupId"]
    title = live.run("describeSchema", {"spreadsheetId": sid})["title"]
    before, original = fingerprint(live, emulator, first), live.snapshot(sid)

    refused = {
        "apply": refusal(live, "applyMigration", {"spreadsheetId": first, "migrationId": "3.0"}),
        "apply, an opId the original recorded": refusal(live, "applyMigration", {
            "spreadsheetId": first, "migrationId": "3.0", "opId": applied_op}),
        "rollback": refusal(live, "rollbackMigration", {"spreadsheetId": first, "migrationId": "3.0"}),
        "restore into it": refusal(live, "restoreBackup", {"spreadsheetId": first, "backupId": second, "force": True}),
        "hold": refusal(live, "setHold", {"spreadsheetId": first, "hold": True}),
        "resolve": refusal(live, "resolveFailure", {"spreadsheetId": first}),
        "backup of a backup": refusal(live, "backupSpreadsheet", {"spreadsheetId": first, "label": "again"}),
    }
    for what, error in refused.items():
        assert error.code == "ZEUES_IS_BACKUP", (what, error.message)
        assert f'is a ZEUES backup of "{title}" ({sid})' in error.message, (what, error.message)
        assert "run this against the original" in error.message, what
    assert fingerprint(live, emulator, first) == before, "nothing changed, and no copy was made"
    assert live.snapshot(sid) == original

    # Reading keeps working on a backup.
    assert live.run("describeSchema", {"spreadsheetId": first})["backupOf"]["original"] == sid
    assert live.run("planMigration", {"spreadsheetId": first, "migrationId": "3.0"})["result"]["status"]


def test_menu_items_that_change_something_refuse_a_backup_before_any_question(emulator: Any, live: Live,
                                                                             new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    made = backup(live, sid)
    before = fingerprint(live, emulator, made["backupId"])
    for item in CHANGES_FROM_THE_MENU:
        run = emulator.menu_run(made["backupId"], item)
        assert not run.get("error"), (item, run)
        (alert,) = run["alerts"]  # the refusal only: no question was asked (it would be a second alert)
        assert alert["buttons"] == "OK" and alert["prompt"].startswith("No se cambió nada."), (item, alert)
        assert sid in alert["prompt"], item
    assert fingerprint(live, emulator, made["backupId"]) == before
    status = emulator.menu_run(made["backupId"], "menuSchemaStatus")  # read-only items still answer
    assert owner_text("status.version", "es", version="2.1") in status["alerts"][0]["prompt"]


def test_restore_from_a_backup_into_the_original_still_works_and_leaves_it_live(
        emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    made = backup(live, sid)
    saved = live.values(made["backupId"], "Operaciones!A1:E5")
    live.update(sid, "Operaciones!B2", [["changed after the backup"]])
    done = live.run("restoreBackup", {"opId": op_id(), "spreadsheetId": sid, "backupId": made["backupId"],
                                      "force": True})
    assert done["status"] == "restored" and done["cellsDiffering"] >= 1
    assert live.values(sid, "Operaciones!A1:E5") == saved
    assert live.metadata(sid, BACKUP_OF) == [], "the backup's tag is not restored into the original"
    assert backup(live, sid)["status"] == "backed_up", "the original still accepts changes"
    (menu,) = emulator.menu_run(sid, "onOpen")["menus"]
    assert menu["name"] == "ZEUES Migration"


def test_a_menu_run_needs_a_bound_script_and_a_copy_carries_its_own(emulator: Any, live: Live,
                                                                    new_sheet: Callable[..., str]) -> None:
    plain = emulator.create_spreadsheet({"properties": {"title": "no script"}}, bind_script=False)
    with pytest.raises(EmulatorError) as caught:
        emulator.menu_run(plain, "onOpen")
    assert "HTTP 400" in str(caught.value) and "has no bound Apps Script project" in str(caught.value)

    sid = new_sheet(spools=5)
    made = backup(live, sid)  # Spreadsheet.copy: the copy gets its own project, bound to the copy
    bound = emulator.state()["boundScripts"]
    assert bound[made["backupId"]] and bound[made["backupId"]] != bound[sid] and plain not in bound
    (menu,) = emulator.menu_run(made["backupId"], "onOpen")["menus"]
    assert menu["name"].startswith("Copia de seguridad ZEUES de"), "getActiveSpreadsheet() is the copy"


def test_a_rehearsal_copy_is_not_a_backup(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    made = live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid, "label": "rehearsal",
                                          "rehearsal": True})
    assert live.metadata(made["backupId"], BACKUP_OF) == []
    assert apply(live, made["backupId"], v30())["status"] == "applied", "rehearse applies on its copy"
    (menu,) = emulator.menu_run(made["backupId"], "onOpen")["menus"]
    assert menu["name"] == "ZEUES Migration"
    (row,) = [r for r in history(live, sid) if r["action"] == "backup"]
    assert json.loads(row["details"])["rehearsal"] is True
