"""The "ZEUES Migration" menu, run as the sheet owner would, with scripted dialog answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.bridge.helpers import V30_COLUMNS, history
from tests.support.live import BridgeError, Live

ITEMS = ["Schema status", "Back up now", "Apply pending migrations…", "Roll back last migration…",
         "Migration history", "Pause migrations", "Resume migrations"]


def menu(emulator: Any, sid: str, function: str, *answers: str) -> dict[str, Any]:
    run: dict[str, Any] = emulator.menu_run(sid, function, list(answers))
    assert "error" not in run or not run["error"], run
    return run


def prompts(run: dict[str, Any]) -> str:
    return "\n".join(a["prompt"] for a in run["alerts"])


def test_on_open_builds_the_menu(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    run = menu(emulator, new_sheet(spools=5), "onOpen")
    (built,) = run["menus"]
    assert built["name"] == "ZEUES Migration"
    assert [i["caption"] for i in built["items"] if "caption" in i] == ITEMS


def test_no_changes_nothing_for_every_item_that_changes_something(emulator: Any, live: Live,
                                                                   new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=20)
    snapshot = live.snapshot(sid)
    for item in ("menuBackupNow", "menuApplyPending", "menuPause", "menuResume"):
        run = menu(emulator, sid, item, "NO")
        assert any(t in run["alerts"][-1]["prompt"] for t in ("Nothing was changed", "No se cambió nada")), item
    assert live.snapshot(sid) == snapshot


def test_apply_and_roll_back_from_the_menu(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=30)
    v21 = live.header(sid, "Operaciones")
    run = menu(emulator, sid, "menuApplyPending", "YES")
    assert run["alerts"][0]["buttons"] == "YES_NO" and "3.0" in run["alerts"][0]["prompt"]
    assert "Se aplicó" in run["alerts"][-1]["prompt"] and "Ocupado_Por" in run["alerts"][-1]["prompt"]
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert [r["action"] for r in history(live, sid)] == ["backup", "apply"]
    assert "al día" in prompts(menu(emulator, sid, "menuApplyPending"))

    snapshot = live.snapshot(sid)
    menu(emulator, sid, "menuRollbackLast", "NO")
    assert live.snapshot(sid) == snapshot
    run = menu(emulator, sid, "menuRollbackLast", "YES")
    assert "was rolled back" in run["alerts"][-1]["prompt"]
    assert live.header(sid, "Operaciones") == v21
    assert "nothing to roll back" in prompts(menu(emulator, sid, "menuRollbackLast"))

    status = prompts(menu(emulator, sid, "menuSchemaStatus"))
    assert "Waiting to be applied: 3.0" in status
    hist = prompts(menu(emulator, sid, "menuHistory"))
    assert "rollback 3.0 — rolled_back" in hist and "apply 3.0 — applied" in hist


def test_pause_blocks_the_operator_until_resume(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    assert "paused" in menu(emulator, sid, "menuPause", "YES")["alerts"][-1]["prompt"]
    assert "PAUSED" in prompts(menu(emulator, sid, "menuSchemaStatus"))
    try:
        live.run("applyMigration", {"opId": "0123456789", "spreadsheetId": sid, "migrationId": "3.0"})
        raise AssertionError("apply ran while paused")
    except BridgeError as err:
        assert err.code == "ZEUES_HOLD"
    run = menu(emulator, sid, "menuApplyPending")  # refused before the question: no backup is made either
    (alert,) = run["alerts"]
    assert "pausadas" in alert["prompt"] and "No se cambió nada" in alert["prompt"]
    assert [r["action"] for r in history(live, sid)] == ["hold"]
    menu(emulator, sid, "menuResume", "YES")
    assert "not paused" in prompts(menu(emulator, sid, "menuSchemaStatus"))


def test_backup_now_makes_a_copy(emulator: Any, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=10)
    run = menu(emulator, sid, "menuBackupNow", "YES")
    assert "Backup made" in run["alerts"][-1]["prompt"]
    (row,) = history(live, sid)
    assert row["action"] == "backup" and row["backup_id"]
    assert live.header(row["backup_id"], "Operaciones") == live.header(sid, "Operaciones")
