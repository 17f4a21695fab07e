"""The "ZEUES Migration" menu, run as the sheet owner would, with scripted dialog answers. Its words are the
catalogue's (orchestrator/contract/owner-texts.json), in Spanish on the es_CL sheets built here."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from orchestrator.codegen import owner_text, owner_text_pattern
from orchestrator.domain import column_letter
from tests.bridge.helpers import V30_COLUMNS, history
from tests.support.live import BridgeError, Live

ITEM_KEYS = ["menu.openPanel", "menu.status", "menu.backupNow", "menu.apply", "menu.rollback", "menu.history",
             "menu.pause", "menu.resume"]


def es(key: str, **params: str | int) -> str:
    return owner_text(key, "es", **params)


def menu(emulator: Any, sid: str, function: str, *answers: str) -> dict[str, Any]:
    run: dict[str, Any] = emulator.menu_run(sid, function, list(answers))
    assert "error" not in run or not run["error"], run
    return run


def prompts(run: dict[str, Any]) -> str:
    return "\n".join(a["prompt"] for a in run["alerts"])


def last(run: dict[str, Any]) -> str:
    return str(run["alerts"][-1]["prompt"])


def test_on_open_builds_the_menu(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    run = menu(emulator, new_sheet(spools=5), "onOpen")
    (built,) = run["menus"]
    assert built["name"] == "ZEUES Migration" == es("menu.title")
    assert [(i["caption"], i["functionName"]) for i in built["items"] if "caption" in i] == list(zip(
        [es(k) for k in ITEM_KEYS], ["menuOpenSidebar", "menuSchemaStatus", "menuBackupNow", "menuApplyPending",
                                     "menuRollbackLast", "menuHistory", "menuPause", "menuResume"]))


def test_no_changes_nothing_for_every_item_that_changes_something(emulator: Any, live: Live,
                                                                   new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    snapshot = live.snapshot(sid)
    for item in ("menuBackupNow", "menuApplyPending", "menuPause"):
        run = menu(emulator, sid, item, "NO")
        assert [a["buttons"] for a in run["alerts"]] == ["YES_NO", "OK"], item
        assert last(run) == es("common.cancelled"), item
    # Resume is not asked at all on a sheet that is not paused.
    assert prompts(menu(emulator, sid, "menuResume")) == es("resume.notPaused")
    assert live.snapshot(sid) == snapshot


def test_apply_and_roll_back_from_the_menu(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    v21 = live.header(sid, "Operaciones")
    run = menu(emulator, sid, "menuApplyPending", "YES")
    question = run["alerts"][0]["prompt"]
    assert run["alerts"][0]["buttons"] == "YES_NO" and question.startswith(es("apply.question"))
    assert "3.0: " + es("pending.addColumns", columns="Ocupado_Por, Fecha_Ocupacion y version",
                        sheet="Operaciones") in question, question
    assert last(run).startswith(es("apply.doneApplied")) and "Ocupado_Por" in last(run)
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert [r["action"] for r in history(live, sid)] == ["backup", "apply"]
    assert last(menu(emulator, sid, "menuApplyPending")) == es("apply.upToDate")

    snapshot = live.snapshot(sid)
    menu(emulator, sid, "menuRollbackLast", "NO")
    assert live.snapshot(sid) == snapshot
    run = menu(emulator, sid, "menuRollbackLast", "YES")
    # The question names the columns, where they are, and how many filled cells move to the archive.
    question = run["alerts"][0]["prompt"]
    assert es("rollback.question", id="3.0") in question, question
    letters = [column_letter(len(v21) + i) for i in range(3)]
    named = [es("column.in", name=n, letter=c, sheet="Operaciones") for n, c in zip(V30_COLUMNS, letters)]
    assert es("rollback.columns", columns=f"{named[0]}, {named[1]} y {named[2]}") in question, question
    (rollback,) = [r for r in history(live, sid) if r["action"] == "rollback"]
    cells = json.loads(rollback["details"])["result"]["archivedCells"]
    assert cells > 0 and es("rollback.cells", cells=cells) in question, question
    assert owner_text_pattern("rollback.done", "es").fullmatch(last(run)), last(run)
    assert live.header(sid, "Operaciones") == v21
    assert last(menu(emulator, sid, "menuRollbackLast")) == es("rollback.nothing")

    # After the rollback the sheet is on the baseline's version again, and 3.0 is pending.
    status = prompts(menu(emulator, sid, "menuSchemaStatus"))
    assert es("status.version", version="2.1") in status and es("status.pending", list="3.0") in status, status
    assert "never migrated" not in status
    hist = prompts(menu(emulator, sid, "menuHistory"))
    assert es("history.rollback", who="owner@example.com", id="3.0") in hist, hist
    assert es("history.apply", who="owner@example.com", id="3.0") in hist, hist
    assert "rolled_back" not in hist and "(hora de America/Santiago)" in hist, hist


def test_status_counts_cells_with_thousands_separators(emulator: Any, live: Live,
                                                       new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    cells = sum(s["properties"]["gridProperties"]["rowCount"] * s["properties"]["gridProperties"]["columnCount"]
                for s in live.snapshot(sid)["sheets"])
    assert cells >= 1000
    status = prompts(menu(emulator, sid, "menuSchemaStatus"))
    assert es("status.size", cells=cells, limit=10_000_000) in status, status
    assert "10.000.000" in status


def test_pause_blocks_the_operator_until_resume(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    assert last(menu(emulator, sid, "menuPause", "YES")) == es("pause.done")
    status = prompts(menu(emulator, sid, "menuSchemaStatus"))
    assert owner_text_pattern("status.paused", "es").search(status), status
    assert "owner@example.com" in status and es("pause.menuReason") in status, status
    try:
        live.run("applyMigration", {"opId": "0123456789", "spreadsheetId": sid, "migrationId": "3.0"})
        raise AssertionError("apply ran while paused")
    except BridgeError as err:
        assert err.code == "ZEUES_HOLD"
    run = menu(emulator, sid, "menuApplyPending")  # refused before the question: no backup is made either
    (alert,) = run["alerts"]
    assert alert["prompt"] == es("common.nothingChanged", why=es("refusal.hold")), alert
    assert [r["action"] for r in history(live, sid)] == ["hold"]
    menu(emulator, sid, "menuResume", "YES")
    assert es("status.notPaused") in prompts(menu(emulator, sid, "menuSchemaStatus"))
    hist = prompts(menu(emulator, sid, "menuHistory"))
    assert es("history.release", who="owner@example.com") in hist, hist
    assert es("history.hold", who="owner@example.com", reason=es("pause.menuReason")) in hist, hist


def test_backup_now_makes_a_copy(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    run = menu(emulator, sid, "menuBackupNow", "YES")
    assert owner_text_pattern("backup.made", "es").fullmatch(last(run)), last(run)
    (row,) = history(live, sid)
    assert row["action"] == "backup" and row["backup_id"]
    assert row["backup_id"] in last(run)
    assert live.header(row["backup_id"], "Operaciones") == live.header(sid, "Operaciones")


def test_a_rollback_refused_after_its_backup_says_the_backup_was_made(emulator: Any, live: Live,
                                                                      new_sheet: Callable[..., str]) -> None:
    """Someone deletes one of 3.0's columns while the rollback's backup is being copied (the Drive copy held 3 s):
    the rollback then refuses. The owner reads why in words, that the sheet is as it was, and which backup was
    made — not "nothing was changed", not the bridge's or Google's raw text."""
    sid = new_sheet(spools=10)
    menu(emulator, sid, "menuApplyPending", "YES")
    column = live.header(sid, "Operaciones").index("Ocupado_Por")
    emulator.fault(path=r"/copy$", latencyMs=3000, count=1)
    runs: list[dict[str, Any]] = []
    owner = threading.Thread(target=lambda: runs.append(menu(emulator, sid, "menuRollbackLast", "YES")))
    owner.start()
    try:
        deadline = time.monotonic() + 30
        while not emulator.state()["locks"]:
            assert time.monotonic() < deadline, "the backup never held the lock"
            time.sleep(0.02)
        live.batch_update(sid, [{"deleteDimension": {"range": {
            "sheetId": live.sheet_id(sid, "Operaciones"), "dimension": "COLUMNS", "startIndex": column,
            "endIndex": column + 1}}}])
    finally:
        owner.join(timeout=120)
    text = last(runs[0])
    assert owner_text_pattern("change.failedAfterBackup", "es").fullmatch(text), text
    (_, backup) = [r for r in history(live, sid) if r["action"] == "backup"]
    assert json.loads(backup["details"])["result"]["name"] in text, text
    assert not text.startswith(es("common.nothingChanged", why="")) and "ZEUES_" not in text, text
