"""The panel's server functions (appsscript/Sidebar.js), called as google.script.run calls them: bound runs of the
spreadsheet by the user who opened it (the emulator's menu-run). After each change the sheet is read back through
the Sheets API. Their words are the catalogue's (orchestrator/contract/owner-texts.json)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from orchestrator.codegen import load_owner_texts, owner_text, owner_text_pattern
from orchestrator.emulator import Emulator
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.bridge.conftest import v30
from tests.bridge.helpers import HISTORY, V30_COLUMNS, apply, history
from tests.support.live import Live, op_id

OWNER = "owner@example.com"
EDITOR = "editor@example.com"


def es(key: str, **params: str | int) -> str:
    return owner_text(key, "es", **params)


@pytest.fixture
def sheet(emulator: Emulator) -> Iterator[Callable[..., str]]:
    emulator.reset()

    def create(locale: str = "es_CL", spools: int = 20) -> str:
        resource = build_workbook(WorkbookOptions(spools=spools, seed=1))
        resource["properties"]["locale"] = locale
        return emulator.create_spreadsheet(resource)

    yield create
    emulator.reset()


def call(emulator: Emulator, sid: str, function: str, *args: Any, user: str | None = None) -> Any:
    run = emulator.menu_run(sid, function, [], parameters=list(args), user_email=user)
    assert not run.get("error"), run
    assert run["alerts"] == [], "the panel's functions never open a dialog"
    return run.get("result")


def recorded(live: Live, sid: str) -> list[dict[str, str]]:
    """The history rows; none while the history sheet does not exist yet."""
    titles = [s["properties"]["title"] for s in live.snapshot(sid)["sheets"]]
    return history(live, sid) if HISTORY in titles else []


def live_of(emulator: Emulator) -> Live:
    return Live(emulator.url, emulator.deployment_id)


def test_the_state_of_a_fresh_sheet_in_spanish_and_in_english(emulator: Emulator,
                                                              sheet: Callable[..., str]) -> None:
    sid = sheet()
    state = call(emulator, sid, "sidebarState")
    assert state["locale"] == "es" and state["texts"] == {k: t.es for k, t in load_owner_texts().items()}
    status = state["status"]
    assert status["version"] == "2.1" and status["paused"] is False and status["pausedLine"] is None
    assert status["lines"][0] == es("status.version", version="2.1")
    assert es("status.notPaused") in status["lines"]
    assert [p["id"] for p in state["pending"]] == ["3.0"]
    assert state["pending"][0]["line"].startswith("3.0: " + es("pending.addColumns", sheet="Operaciones",
                                                               columns="Ocupado_Por, Fecha_Ocupacion y version"))
    assert state["history"] == [] and state["links"] == [] and state["progress"] is None
    assert json.loads(state["token"])["ids"] == ["3.0"] and state["isBackup"] is False

    english = call(emulator, sheet(locale="en_US"), "sidebarState")
    assert english["locale"] == "en" and english["status"]["lines"][0] == "The sheet is on version 2.1."


def test_menu_open_sidebar_shows_the_panel(emulator: Emulator, sheet: Callable[..., str]) -> None:
    sid = sheet()
    run = emulator.menu_run(sid, "menuOpenSidebar", [])
    assert not run.get("error"), run
    (dialog,) = run["dialogs"]
    assert dialog["kind"] == "sidebar" and dialog["title"] == es("panel.title")


def test_apply_then_undo_from_the_panel(emulator: Emulator, sheet: Callable[..., str]) -> None:
    sid = sheet(spools=30)
    live = live_of(emulator)
    v21 = live.header(sid, "Operaciones")
    preview = call(emulator, sid, "sidebarPreview", "apply")
    assert preview["ok"] is True and preview["body"][0] == es("apply.question")
    assert preview["body"][-1] == es("apply.backupFirst") and preview["confirm"] == es("apply.confirm")
    assert live.header(sid, "Operaciones") == v21, "a preview changes nothing"

    done = call(emulator, sid, "sidebarApply", preview["token"])
    assert done["ok"] is True and done["message"].startswith(es("apply.doneApplied")), done["message"]
    assert owner_text_pattern("apply.backupMade", "es").search(done["message"]), done["message"]
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert [r["action"] for r in history(live, sid)] == ["backup", "apply"]
    state = done["state"]
    assert state["pending"] == [] and es("status.upToDate") in state["status"]["lines"]
    assert state["status"]["version"] == "3.0" and state["progress"] is None
    (link,) = state["links"]
    backup_row = history(live, sid)[0]
    assert link["kind"] == "backup" and link["backupId"] == backup_row["backup_id"]
    assert link["url"].startswith("http") and backup_row["backup_id"] in link["url"]
    assert [h["line"] for h in state["history"]] == [es("history.apply", who=OWNER, id="3.0"),
                                                    es("history.backup", who=OWNER)]
    assert all(h["when"].endswith("(hora de America/Santiago)") for h in state["history"]), state["history"]

    again = call(emulator, sid, "sidebarPreview", "apply")
    assert again == {"ok": False, "message": es("apply.upToDate")}

    undo = call(emulator, sid, "sidebarPreview", "undo")
    assert undo["ok"] is True and undo["body"][0] == es("rollback.question", id="3.0")
    assert all(name in undo["body"][1] for name in V30_COLUMNS), undo["body"]
    undone = call(emulator, sid, "sidebarUndo", undo["token"])
    assert undone["ok"] is True, undone["message"]
    assert owner_text_pattern("rollback.done", "es").fullmatch(undone["message"]), undone["message"]
    assert live.header(sid, "Operaciones") == v21
    assert [r["action"] for r in history(live, sid)] == ["backup", "apply", "backup", "rollback"]
    kinds = sorted(link["kind"] for link in undone["state"]["links"])
    assert kinds == ["archive", "backup", "backup"], undone["state"]["links"]
    assert undone["state"]["status"]["version"] == "2.1"
    # The undo's token is spent: the same undo again is refused in words, and changes nothing.
    before = live.snapshot(sid)
    stale = call(emulator, sid, "sidebarUndo", undo["token"])
    assert stale["ok"] is False and stale["message"] == es("common.nothingChanged", why=es("common.staleView"))
    assert live.snapshot(sid) == before


def test_a_column_inserted_before_the_yes_stops_the_apply_before_the_backup(emulator: Emulator,
                                                                           sheet: Callable[..., str]) -> None:
    sid = sheet()
    live = live_of(emulator)
    token = call(emulator, sid, "sidebarState")["token"]
    live.batch_update(sid, [{"insertDimension": {"range": {"sheetId": live.sheet_id(sid, "Operaciones"),
                                                           "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3},
                                                 "inheritFromBefore": True}}])
    before = live.snapshot(sid)
    done = call(emulator, sid, "sidebarApply", token)
    assert done["ok"] is False, done
    assert done["message"] == "\n\n".join([es("apply.refused", id="3.0", why=es("refusal.drift")),
                                           es("apply.noBackup")]), done["message"]
    assert live.snapshot(sid) == before and recorded(live, sid) == []


def test_pause_with_a_reason_and_resume_only_by_the_owner(emulator: Emulator, sheet: Callable[..., str]) -> None:
    sid = sheet()
    live = live_of(emulator)
    preview = call(emulator, sid, "sidebarPreview", "pause")
    assert preview["ok"] is True and preview["body"] == [es("pause.question"), es("pause.reasonAsk")]
    refused = call(emulator, sid, "sidebarPause", "   ")
    assert refused["ok"] is False and refused["message"] == es("pause.needReason")
    assert recorded(live, sid) == []

    reason = "inventario de fin de mes"
    paused = call(emulator, sid, "sidebarPause", reason, user=EDITOR)  # anyone may pause: the safe direction
    assert paused["ok"] is True and paused["message"] == es("pause.done")
    status = paused["state"]["status"]
    assert status["paused"] is True and status["pausedLine"] in status["lines"]
    assert owner_text_pattern("status.paused", "es").fullmatch(status["pausedLine"]), status["pausedLine"]
    assert EDITOR in status["pausedLine"] and reason in status["pausedLine"]
    assert "(hora de America/Santiago)" in status["pausedLine"]
    (hold,) = history(live, sid)
    assert hold["action"] == "hold" and json.loads(hold["details"])["result"]["hold"]["reason"] == reason
    assert paused["state"]["history"][0]["line"] == es("history.hold", who=EDITOR, reason=reason)

    blocked = call(emulator, sid, "sidebarPreview", "apply")
    assert blocked == {"ok": False, "message": es("common.nothingChanged", why=es("refusal.hold"))}
    editor = call(emulator, sid, "sidebarPreview", "resume", user=EDITOR)
    assert editor["ok"] is False and editor["message"] == es(
        "common.nothingChanged", why=es("refusal.notOwner", owner=OWNER, who=EDITOR))
    assert call(emulator, sid, "sidebarResume", user=EDITOR)["ok"] is False
    assert [r["action"] for r in history(live, sid)] == ["hold"]

    assert call(emulator, sid, "sidebarPreview", "resume")["ok"] is True
    resumed = call(emulator, sid, "sidebarResume")
    assert resumed["ok"] is True and resumed["message"] == es("resume.done")
    assert resumed["state"]["status"]["paused"] is False
    assert [(r["action"], r["who"]) for r in history(live, sid)] == [("hold", EDITOR), ("release", OWNER)]


def test_restore_a_backup_from_the_panel(emulator: Emulator, sheet: Callable[..., str]) -> None:
    sid = sheet()
    live = live_of(emulator)
    made = call(emulator, sid, "sidebarApply", call(emulator, sid, "sidebarState")["token"])
    (link,) = made["state"]["links"]
    saved = live.values(sid, "Operaciones!A1:E5")
    live.update(sid, "Operaciones!B2", [["escrito después de la copia"]])

    unknown = call(emulator, sid, "sidebarPreview", "restore", "no-such-backup")
    assert unknown == {"ok": False, "message": es("common.nothingChanged", why=es("restore.unknown"))}
    preview = call(emulator, sid, "sidebarPreview", "restore", link["backupId"])
    assert preview["ok"] is True, preview
    # The warning says what it replaces: the copy is from before the apply, so 3.0's columns differ too.
    assert owner_text_pattern("restore.warning", "es").fullmatch(preview["body"][1]), preview["body"]
    assert preview["body"][-1] == es("restore.keepsHistory")
    done = call(emulator, sid, "sidebarRestore", link["backupId"], preview["token"])
    assert done["ok"] is True and owner_text_pattern("restore.done", "es").fullmatch(done["message"]), done
    assert live.values(sid, "Operaciones!A1:E5")[:2] == saved[:2]
    assert live.header(sid, "Operaciones")[-3:] != V30_COLUMNS, "the copy had no 3.0 columns"
    actions = [r["action"] for r in history(live, sid)]
    assert actions == ["backup", "apply", "backup", "restore"], actions
    assert [p["id"] for p in done["state"]["pending"]] == ["3.0"], "3.0 is pending again after the restore"
    # A token for another backup does not restore this one.
    assert call(emulator, sid, "sidebarRestore", "other", preview["token"])["ok"] is False


def test_progress_is_recorded_while_an_apply_runs_and_cleared_after(emulator: Emulator,
                                                                     sheet: Callable[..., str]) -> None:
    """The backup's Drive copy held 3 s by a latency fault: meanwhile the panel's poll (another run, no lock)
    reads the step the apply is at; at the end the record is gone."""
    sid, other = sheet(), sheet()
    live = live_of(emulator)
    token = call(emulator, sid, "sidebarState")["token"]
    emulator.fault(path=r"/copy$", latencyMs=3000, count=1)
    elsewhere: list[Any] = []
    results: list[Any] = []
    runner = threading.Thread(target=lambda: results.append(call(emulator, sid, "sidebarApply", token)))
    seen: list[dict[str, Any]] = []
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while runner.is_alive() and time.monotonic() < deadline:
            progress = call(emulator, sid, "sidebarProgress")
            if progress and progress not in seen:
                seen.append(progress)
                elsewhere.append(call(emulator, other, "sidebarProgress"))  # another sheet's panel
            time.sleep(0.05)
    finally:
        runner.join(timeout=120)
    assert results and results[0]["ok"] is True, results
    backup_step = es("progress.step", step=2, steps=4, what=es("progress.backup"))
    assert backup_step in [p["line"] for p in seen], seen
    assert {p["opId"] for p in seen} == {seen[0]["opId"]} and all(p["steps"] == 4 for p in seen), seen
    assert elsewhere and all(p is None for p in elsewhere), elsewhere
    assert call(emulator, sid, "sidebarProgress") is None
    assert results[0]["state"]["progress"] is None
    assert live.header(sid, "Operaciones")[-3:] == V30_COLUMNS


def test_a_backup_refuses_every_change_from_the_panel(emulator: Emulator, sheet: Callable[..., str]) -> None:
    sid = sheet()
    live = live_of(emulator)
    call(emulator, sid, "sidebarApply", call(emulator, sid, "sidebarState")["token"])
    backup_id = history(live, sid)[0]["backup_id"]
    state = call(emulator, backup_id, "sidebarState")
    assert state["isBackup"] is True
    before = live.snapshot(backup_id)
    for function, args in (("sidebarApply", [state["token"]]), ("sidebarPause", ["x"]), ("sidebarResume", [])):
        refused = call(emulator, backup_id, function, *args)
        assert refused["ok"] is False and refused["message"].startswith(es("common.nothingChanged", why="")), function
        assert sid in refused["message"], function
    assert live.snapshot(backup_id) == before


def test_progress_adds_no_sheets_request(emulator: Emulator, sheet: Callable[..., str]) -> None:
    """Progress lives in the document properties: an apply from the panel sends exactly the Sheets writes the
    operator's backup + apply send, and a poll sends no Sheets request at all (the profile counts them)."""
    panel_sheet, api_sheet = sheet(), sheet()
    live = live_of(emulator)
    token = call(emulator, panel_sheet, "sidebarState")["token"]
    unlimited = {"readPerMinutePerUser": 10**6, "readPerMinutePerProject": 10**6,
                 "writePerMinutePerUser": 10**6, "writePerMinutePerProject": 10**6}
    emulator.profile("google", {"latencyScale": 0, "quota": unlimited})

    def counts() -> tuple[int, int]:
        quota = emulator.state()["profile"]["quota"]
        return int(quota["reads"]["accepted"]), int(quota["writes"]["accepted"])

    assert call(emulator, panel_sheet, "sidebarApply", token)["ok"] is True
    panel_writes = counts()[1]
    live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": api_sheet, "label": "before 3.0"})
    apply(live, api_sheet, v30())
    assert counts()[1] - panel_writes == panel_writes > 0
    before = counts()
    for _ in range(3):
        assert call(emulator, panel_sheet, "sidebarProgress") is None
    assert counts() == before
