"""The owner's sidebar, clicked through in headless Chromium: read the status, apply the pending migration while
its progress shows, undo it, pause with a reason and resume, restore a backup — each time checking the sheet
through the Sheets API, and that every text on every screen is one of the catalogue's (tests/browser/conftest)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.domain.columns import column_letter
from tests.bridge.helpers import V30_COLUMNS
from tests.browser.conftest import Sidebar, not_in_catalogue
from tests.support.live import Live
from tests.support.observe import history

HELD_MS = 2500  # each of the apply's first Sheets writes is held this long, so its progress is on screen


def schema_version(live: Live, sid: str) -> str | None:
    found = live.metadata(sid, "zeues.schema_version")
    return str(found[0]["metadataValue"]) if found else None


def hold(live: Live, sid: str) -> dict[str, Any] | None:
    found = live.metadata(sid, "zeues.hold")
    return dict(json.loads(found[0]["metadataValue"])) if found else None


def watch_progress(page: Sidebar, screenshot: str | None = None) -> list[str]:
    """After the owner confirmed a change: the progress lines the page showed until the outcome came."""
    page.wait(lambda: page.shown("progress") or page.shown("notice"))
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while page.shown("progress") and time.monotonic() < deadline:
        line = page.text("progress-line")
        if line and line not in seen:
            seen.append(line)
            page.check_texts(f"progress {len(seen)}")
            if screenshot and len(seen) == 1:
                page.screenshot(screenshot)
        time.sleep(0.1)
    return seen


def test_status_apply_with_progress_then_undo(live: Live, ui_emulator: Any, new_sheet: Callable[..., str],
                                              sidebar: Callable[..., Sidebar]) -> None:
    sid = new_sheet()
    v21 = live.header(sid, "Operaciones")
    page = sidebar(sid)
    assert any("2.1" in line for line in page.items("status-lines"))
    assert any("3.0" in item for item in page.items("pending-list"))
    assert not page.shown("status-paused") and not page.links()
    page.check_texts("status")
    page.screenshot("status")

    # Cancel first: nothing happens.
    assert "3.0" in " ".join(page.ask("apply"))
    page.click("confirm-no")
    page.wait_notice()
    assert live.header(sid, "Operaciones") == v21 and history(live, sid) == []
    page.check_texts("cancelled")

    question = page.ask("apply")
    assert "3.0" in " ".join(question)
    page.check_texts("confirm apply")
    page.screenshot("confirm-apply")
    ui_emulator.fault(path=rf"/v4/spreadsheets/{sid}:batchUpdate$", latencyMs=HELD_MS, count=2)
    page.click("confirm-yes")
    progress = watch_progress(page, screenshot="progress")
    assert progress, "no progress was shown while the apply ran"
    message = page.wait_notice()
    assert page.notice_kind() == "ok", message
    assert "Ocupado_Por" in message
    page.check_texts("applied")
    page.screenshot("applied")
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert schema_version(live, sid) == "3.0"
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply"]
    assert not page.items("pending-list")
    (backup,) = [link for link in page.links() if link[0] == "link-backup"]
    backup_id = history(live, sid)[0]["backup_id"]
    assert backup_id and backup_id in backup[2], backup

    assert "3.0" in " ".join(page.ask("undo"))
    page.check_texts("confirm undo")
    page.screenshot("confirm-undo")
    page.confirmed("undone", screenshot="undone")
    assert live.header(sid, "Operaciones") == v21
    assert schema_version(live, sid) != "3.0"
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply", "backup", "rollback"]
    archive = [title for title in live.sheet_titles(sid) if title.startswith("_zeues_archive_3.0_")]
    kinds = [link[0] for link in page.links()]
    assert kinds.count("link-backup") == 2 and kinds.count("link-archive") == len(archive) == 1
    assert any("3.0" in item for item in page.items("pending-list"))
    assert page.console_errors() == []


@pytest.mark.parametrize("locale", ["es", "en"])
def test_pause_with_a_reason_refuses_apply_then_resume(locale: str, live: Live, new_sheet: Callable[..., str],
                                                       sidebar: Callable[..., Sidebar]) -> None:
    sid = new_sheet(spools=10, locale=locale)
    v21 = live.header(sid, "Operaciones")
    page = sidebar(sid, locale)
    assert page.chrome.execute_script("return document.documentElement.lang") == {"es": "es-CL", "en": "en"}[locale]
    page.check_texts("status")

    page.click("pause")  # no reason typed: the page asks for one and calls nothing
    page.wait(lambda: page.shown("notice"))
    assert page.notice_kind() == "refusal" and hold(live, sid) is None
    assert page.chrome.switch_to.active_element.get_attribute("id") == "pause-reason"
    page.check_texts("reason missing")

    reason = "Cierre de mes" if locale == "es" else "Month-end closing"
    page.el("pause-reason").send_keys(reason)
    page.ask("pause")
    page.check_texts("confirm pause")
    if locale == "es":
        page.screenshot("confirm-pause")
    page.confirmed("paused", screenshot="paused" if locale == "es" else "en-paused")
    held = hold(live, sid)
    assert held and held["reason"] == reason, held
    assert page.shown("status-paused") and reason in page.text("status-paused")
    assert page.shown("resume") and not page.shown("pause")

    page.click("apply")  # refused before any question, with what to do next
    page.wait(lambda: page.shown("notice") and page.notice_kind() == "refusal" and page.idle())
    assert not page.shown("confirm")
    assert page.chrome.switch_to.active_element.get_attribute("id") == "notice"  # read first by a screen reader
    page.check_texts("apply refused")
    if locale == "es":
        page.screenshot("refused")
    assert live.header(sid, "Operaciones") == v21 and [h["action"] for h in history(live, sid)] == ["hold"]

    page.ask("resume")
    page.check_texts("confirm resume")
    page.confirmed("resumed")
    assert hold(live, sid) is None
    assert [h["action"] for h in history(live, sid)] == ["hold", "release"]
    assert page.shown("pause") and not page.shown("status-paused")
    assert len(page.items("history-list")) == 2
    assert page.console_errors() == []


def test_restore_a_backup(live: Live, ui_emulator: Any, new_sheet: Callable[..., str],
                          sidebar: Callable[..., Sidebar]) -> None:
    sid = new_sheet(spools=15)
    run = ui_emulator.menu_run(sid, "menuBackupNow", ["YES"])
    assert not run.get("error"), run
    (made,) = history(live, sid)
    before = live.values(sid, "'Operaciones'", "FORMULA")
    notes = column_letter(live.header(sid, "Operaciones").index("Notas"))
    live.update(sid, f"'Operaciones'!{notes}2", [["escrito después de la copia"]])
    assert live.values(sid, "'Operaciones'", "FORMULA") != before

    page = sidebar(sid)
    assert page.shown("restore-choice")
    page.check_texts("status with a backup")
    question = page.ask("restore")
    assert len(question) >= 2
    page.check_texts("confirm restore")
    page.screenshot("confirm-restore")
    page.confirmed("restored", screenshot="restored")
    assert live.values(sid, "'Operaciones'", "FORMULA") == before
    actions = [h["action"] for h in history(live, sid)]
    assert actions[0] == "backup" and "restore" in actions, actions
    assert made["backup_id"] in [link[2].split("/d/")[-1].split("/")[0] for link in page.links()]
    assert page.console_errors() == []


def test_a_change_run_elsewhere_shows_its_progress_then_its_outcome(live: Live, ui_emulator: Any,
                                                                     new_sheet: Callable[..., str],
                                                                     sidebar: Callable[..., Sidebar]) -> None:
    """The owner opens the panel while another run (here the menu's "Aplicar cambios pendientes…") is applying:
    the panel shows that change's progress, and the new state once it is done, with nothing clicked."""
    sid = new_sheet(spools=10)
    v21 = live.header(sid, "Operaciones")
    ui_emulator.fault(path=rf"/v4/spreadsheets/{sid}:batchUpdate$", latencyMs=4000, count=2)
    outcome: list[dict[str, Any]] = []
    menu = threading.Thread(target=lambda: outcome.append(ui_emulator.menu_run(sid, "menuApplyPending", ["YES"])))
    menu.start()
    try:
        deadline = time.monotonic() + 30
        while not live.metadata(sid, "zeues.schema_version") and time.monotonic() < deadline:
            page = sidebar(sid)
            if page.shown("progress"):
                break
            time.sleep(0.2)
        assert page.shown("progress"), "the panel did not show the change running elsewhere"
        page.wait(lambda: page.text("progress-line"))
        page.check_texts("progress of another run")
        page.wait(lambda: not page.shown("progress") and not page.items("pending-list"))
        page.check_texts("after another run")
    finally:
        menu.join(120)
    assert outcome and not outcome[0].get("error"), outcome
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert page.console_errors() == []


def test_a_server_call_that_dies_is_told_in_the_catalogues_words(live: Live, ui_emulator: Any,
                                                                  new_sheet: Callable[..., str],
                                                                  sidebar: Callable[..., Sidebar]) -> None:
    """google.script.run's failure handler: a run past the time limit shows "could not reach the sheet" (never
    the raw error) and the page stays usable."""
    sid = new_sheet(spools=5)
    page = sidebar(sid)
    ui_emulator.script_control(executionLimitMs=300)
    ui_emulator.fault(path=rf"/v4/spreadsheets/{sid}", method="GET", latencyMs=1500, count=1)
    page.click("refresh")
    page.wait(lambda: page.shown("notice") and page.idle())
    assert page.notice_kind() == "refusal"
    assert page.text("notice") == page.chrome.execute_script(
        "return JSON.parse(document.getElementById('zeues-texts').textContent)['sidebar.callFailed']")
    page.check_texts("call failed")
    ui_emulator.reset()
    page.click("refresh")
    page.wait(lambda: not page.shown("notice") and page.idle())
    page.check_texts("refreshed")


def test_a_text_not_in_the_catalogue_is_caught(live: Live, new_sheet: Callable[..., str],
                                               sidebar: Callable[..., Sidebar]) -> None:
    """The texts check itself: a sentence typed into the page, or a catalogue text of the other language, fails it;
    a catalogue text with its placeholders filled passes."""
    assert not_in_catalogue(["Cancelado. No se cambió nada.", "12-01-2026 10:30"], "es") == []
    assert not_in_catalogue(["Cancelled. Nothing was changed."], "es") == ["Cancelled. Nothing was changed."]
    page = sidebar(new_sheet(spools=5))
    page.check_texts("status")
    page.chrome.execute_script("const p = document.createElement('p'); p.textContent = 'Hola, soy nuevo';"
                               "document.getElementById('main').append(p);")
    with pytest.raises(AssertionError, match="Hola, soy nuevo"):
        page.check_texts("with a stray text")
