"""The menu's "Apply pending migrations…" with several migrations pending, racing another run, and "Resume
migrations" only by the spreadsheet's owner (issue 12, findings 8 and 10).

Several pending migrations need a bridge that carries more than 3.0: `bridge_31` runs a copy of the bridge whose
`Migrations.js` is generated from 3.0 and the fixture 3.1. "Another run" is a `scripts.run` of the bridge's
`applyMigration`, the call the operator's `zeues-migrate apply` makes (the CLI itself would refuse the copy's
build hash). It lands between the owner's Yes and the menu's own apply: the menu's backup holds the script lock
for a few seconds (a slow Drive copy), the other run waits for the lock and gets it first.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from orchestrator.codegen import BRIDGE_DIR, MIGRATIONS_JS, owner_text, owner_text_pattern, render_migrations_js
from orchestrator.domain import column_letter
from orchestrator.emulator import Emulator, running_emulator
from orchestrator.migrations import MIGRATIONS_DIR
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.bridge.conftest import FIXTURE_MIGRATIONS, v30
from tests.bridge.helpers import V30_COLUMNS, apply, history
from tests.support.live import Live, op_id

NEW_31 = ["Estado_Detalle"]
EDITOR = "editor@example.com"
OWNER = "owner@example.com"


@pytest.fixture(scope="module")
def bridge_31(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The bridge with 3.0 and the fixture 3.1 in its Migrations.js (the menu applies what it carries)."""
    specs = tmp_path_factory.mktemp("migrations-31")
    for path in (MIGRATIONS_DIR / "baseline.json", MIGRATIONS_DIR / "3.0.json", FIXTURE_MIGRATIONS / "3.1.json"):
        shutil.copy(path, specs / path.name)
    if (MIGRATIONS_DIR / "contracts").is_dir():
        shutil.copytree(MIGRATIONS_DIR / "contracts", specs / "contracts")
    folder = tmp_path_factory.mktemp("bridge-31") / "appsscript"
    shutil.copytree(BRIDGE_DIR, folder)
    (folder / MIGRATIONS_JS).write_text(render_migrations_js(specs), encoding="utf-8")
    with running_emulator(tmp_path_factory.mktemp("bridge-31-emulator"), folder) as emu:
        yield emu


@pytest.fixture
def live_31(bridge_31: Emulator) -> Iterator[Live]:
    bridge_31.reset()
    yield Live(bridge_31.url, bridge_31.deployment_id)
    bridge_31.reset()


def es(key: str, **params: str | int) -> str:
    return owner_text(key, "es", **params)


def en(key: str, **params: str | int) -> str:
    return owner_text(key, "en", **params)


def sheet(emulator: Emulator, locale: str = "es_CL", spools: int = 30) -> str:
    resource = build_workbook(WorkbookOptions(spools=spools, seed=1))
    resource["properties"]["locale"] = locale
    return emulator.create_spreadsheet(resource)


def menu(emulator: Emulator, sid: str, function: str, *answers: str, user: str | None = None) -> dict[str, Any]:
    run = emulator.menu_run(sid, function, list(answers), user_email=user)
    assert not run.get("error"), run
    return run


def last(run: dict[str, Any]) -> str:
    return str(run["alerts"][-1]["prompt"])


def actions(live: Live, sid: str) -> list[tuple[str, str, str]]:
    return [(r["action"], r["migration_id"], r["status"]) for r in history(live, sid)]


def wait_until(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def race_during_the_backup(emulator: Emulator, live: Live, sid: str) -> dict[str, Any]:
    """The owner answers Yes; while the menu's backup holds the lock, another run applies 3.0."""
    emulator.fault(path=r"/copy$", latencyMs=3000, count=1)
    runs: list[dict[str, Any]] = []
    owner = threading.Thread(target=lambda: runs.append(emulator.menu_run(sid, "menuApplyPending", ["YES"])))
    owner.start()
    try:
        wait_until(lambda: emulator.state()["locks"], "the menu's backup to hold the lock")
        other = apply(live, sid, v30())  # waits for the lock, then lands before the menu's own apply
    finally:
        owner.join(timeout=120)
    assert other["status"] == "applied", other
    assert runs and not runs[0].get("error"), runs
    return runs[0]


# -- several pending migrations ----------------------------------------------------------------------------


def test_apply_pending_applies_3_0_then_3_1_with_one_backup(bridge_31: Emulator, live_31: Live) -> None:
    sid = sheet(bridge_31)
    v21 = live_31.header(sid, "Operaciones")
    run = menu(bridge_31, sid, "menuApplyPending", "YES")
    text = last(run)
    # 3.1 went after 3.0's columns: the headers were read again between them (no false DRIFT).
    assert live_31.header(sid, "Operaciones") == v21 + V30_COLUMNS + NEW_31, text
    assert actions(live_31, sid) == [("backup", "", "done"), ("apply", "3.0", "applied"), ("apply", "3.1", "applied")]
    question = run["alerts"][0]["prompt"]
    assert "3.0" in question and "3.1" in question and es("apply.backupFirst") in question
    assert text.startswith(es("apply.doneApplied") + "\n"), text
    assert "• 3.0: se agregaron Ocupado_Por" in text and "• 3.1: se agregaron Estado_Detalle" in text, text
    assert es("common.nothingChanged", why="") not in text, text
    assert last(menu(bridge_31, sid, "menuApplyPending")) == es("apply.upToDate")


def test_a_refusal_after_the_first_apply_says_what_was_changed_and_names_the_backup(bridge_31: Emulator,
                                                                                   live_31: Live) -> None:
    sid = sheet(bridge_31)
    v21 = live_31.header(sid, "Operaciones")
    # Someone already typed a column with 3.1's name: 3.0 applies, 3.1 is refused (CONFLICT) after the backup.
    width = len(v21)
    live_31.batch_update(sid, [{"appendDimension": {"sheetId": live_31.sheet_id(sid, "Operaciones"),
                                                     "dimension": "COLUMNS", "length": 1}}])
    live_31.update(sid, f"Operaciones!{column_letter(width)}1", [NEW_31])
    text = last(menu(bridge_31, sid, "menuApplyPending", "YES"))
    assert es("apply.applied") + "\n• 3.0: se agregaron Ocupado_Por" in text, text
    # The refusal in words, naming the column the change adds (a column of that name is there already).
    assert es("apply.refused", id="3.1", why=es("refusal.conflict", columns="Estado_Detalle")) in text, text
    (backup,) = [r for r in history(live_31, sid) if r["action"] == "backup"]
    name = json.loads(backup["details"])["result"]["name"]
    assert es("apply.backupMade", name=name) in text and backup["backup_id"], text
    assert es("common.nothingChanged", why="") not in text and es("apply.noBackup") not in text, text
    assert live_31.header(sid, "Operaciones") == v21 + NEW_31 + V30_COLUMNS
    assert [a for a in actions(live_31, sid) if a[0] == "apply"] == [("apply", "3.0", "applied")]


def test_another_run_applying_3_0_meanwhile_is_reported_and_3_1_still_applied(bridge_31: Emulator,
                                                                             live_31: Live) -> None:
    sid = sheet(bridge_31)
    v21 = live_31.header(sid, "Operaciones")
    text = last(race_during_the_backup(bridge_31, live_31, sid))
    assert es("apply.applied") + "\n• 3.1: se agregaron Estado_Detalle" in text, text
    assert es("apply.byOther", ids="3.0") in text, text
    assert owner_text_pattern("apply.backupMade", "es").search(text), text
    assert "Cannot read properties" not in text and es("common.nothingChanged", why="") not in text, text
    assert live_31.header(sid, "Operaciones") == v21 + V30_COLUMNS + NEW_31
    applies = [a for a in actions(live_31, sid) if a[0] == "apply"]
    assert applies == [("apply", "3.0", "applied"), ("apply", "3.1", "applied")], applies


def test_the_shipped_menu_racing_another_apply_says_it_plainly_in_english(emulator: Emulator) -> None:
    live = Live(emulator.url, emulator.deployment_id)
    emulator.reset()
    try:
        sid = sheet(emulator, locale="en_US")
        v21 = live.header(sid, "Operaciones")
        text = last(race_during_the_backup(emulator, live, sid))
    finally:
        emulator.reset()
    assert en("apply.byOther", ids="3.0") in text and en("apply.nothingElse") in text, text
    assert owner_text_pattern("apply.backupMade", "en").search(text), text
    assert "Cannot read properties" not in text and en("common.nothingChanged", why="") not in text, text
    assert live.header(sid, "Operaciones") == v21 + V30_COLUMNS
    assert [a for a in actions(live, sid) if a[0] == "apply"] == [("apply", "3.0", "applied")]


def test_another_run_applying_while_the_question_is_open_leaves_nothing_to_do_and_no_backup(
        emulator: Emulator) -> None:
    """The other run is in flight when the owner is asked (its batchUpdate held 3 s under the script lock): the
    menu's question does not wait for it, its second read does, and finds 3.0 applied."""
    live = Live(emulator.url, emulator.deployment_id)
    emulator.reset()
    sid = sheet(emulator)
    copies = len(emulator.state()["spreadsheets"])
    emulator.fault(path=r":batchUpdate$", latencyMs=3000, count=1)
    others: list[Any] = []
    other = threading.Thread(target=lambda: others.append(apply(live, sid, v30())))
    other.start()
    try:
        wait_until(lambda: emulator.state()["locks"], "the other run to hold the lock")
        run = menu(emulator, sid, "menuApplyPending", "YES")
    finally:
        other.join(timeout=120)
        emulator.reset()
    assert others and others[0]["status"] == "applied", others
    assert "3.0" in run["alerts"][0]["prompt"], "asked while the other run was in flight"
    text = last(run)
    assert text == "\n\n".join([es("apply.byOther", ids="3.0"), es("apply.nothingElse"), es("apply.noBackup")]), text
    assert actions(live, sid) == [("apply", "3.0", "applied")], "no backup of the menu's"
    assert len(emulator.state()["spreadsheets"]) == copies


# -- resume only by the owner --------------------------------------------------------------------------------


def test_resume_from_the_menu_is_refused_to_an_editor_and_works_for_the_owner(emulator: Emulator) -> None:
    live = Live(emulator.url, emulator.deployment_id)
    sid = sheet(emulator, spools=10)
    assert last(menu(emulator, sid, "menuPause", "YES")) == es("pause.done")
    before = live.snapshot(sid)

    refused = menu(emulator, sid, "menuResume", user=EDITOR)  # no answer scripted: a question would be CLOSEd
    (alert,) = refused["alerts"]  # refused before the question
    refusal = es("common.nothingChanged", why=es("refusal.notOwner", owner=OWNER, who=EDITOR))
    assert alert["prompt"] == refusal, alert
    assert "zeues-migrate hold --release" in alert["prompt"], alert
    assert live.snapshot(sid) == before, "an editor's resume changed the sheet"
    assert es("status.notPaused") not in last(menu(emulator, sid, "menuSchemaStatus", user=EDITOR))
    # An editor still pauses (the safe direction), and the owner resumes: the release is recorded with who.
    resumed = menu(emulator, sid, "menuResume", "YES", user=OWNER.upper())  # Google's addresses ignore case
    assert last(resumed) == es("resume.done"), resumed["alerts"]
    assert es("status.notPaused") in last(menu(emulator, sid, "menuSchemaStatus"))
    release = [r for r in history(live, sid) if r["action"] == "release"]
    assert [r["who"].lower() for r in release] == [OWNER], release


def test_the_operator_releases_a_hold_an_editor_cannot(emulator: Emulator) -> None:
    live = Live(emulator.url, emulator.deployment_id)
    sid = sheet(emulator, locale="en_US", spools=10)
    menu(emulator, sid, "menuPause", "YES", user=EDITOR)
    refused = last(menu(emulator, sid, "menuResume", user=EDITOR))
    assert refused == en("common.nothingChanged", why=en("refusal.notOwner", owner=OWNER, who=EDITOR)), refused
    released = live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": False})  # `hold --release`
    assert released["status"] == "released", released
    assert [(r["action"], r["who"]) for r in history(live, sid)] == [("hold", EDITOR), ("release", OWNER)]


def test_a_menu_run_is_recorded_as_the_user_who_clicked(emulator: Emulator) -> None:
    """The emulator's Session in a menu run, as Google's: the person who clicked the item (the history's `who`)."""
    sid = sheet(emulator, spools=5)
    live = Live(emulator.url, emulator.deployment_id)
    menu(emulator, sid, "menuPause", "YES", user=EDITOR)
    (hold,) = [r for r in history(live, sid) if r["action"] == "hold"]
    assert hold["who"] == EDITOR
