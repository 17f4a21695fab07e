"""The bridge under enforced OAuth scopes, as Google runs it.

The emulator grants a script exactly its manifest's `oauthScopes` and refuses a `scripts.run` token that lacks
any of them. The bridge before the fix called `Session.getActiveUser()` (history `who`, the hold's author)
under a manifest without `userinfo.email`: on Google every write threw while building its plan. These tests
run that manifest and show Google's text, then show the shipped bridge works and its token is checked.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from orchestrator.emulator import Emulator, running_emulator
from orchestrator.google.scopes import REQUIRED_SCOPES, USERINFO_EMAIL
from orchestrator.workbook import WorkbookOptions, build_workbook
from orchestrator.codegen import BRIDGE_DIR
from tests.bridge.conftest import v30
from tests.bridge.helpers import apply
from tests.support.live import BridgeError, Live, op_id

PERMISSION_TEXT = ("You do not have permission to call Session.getActiveUser. Required permissions: "
                   "https://www.googleapis.com/auth/userinfo.email")


@pytest.fixture(scope="module")
def pre_fix_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The bridge with the manifest it shipped with before the fix: no userinfo.email."""
    folder = tmp_path_factory.mktemp("pre-fix") / "appsscript"
    shutil.copytree(BRIDGE_DIR, folder)
    manifest = json.loads((folder / "appsscript.json").read_text(encoding="utf-8"))
    manifest["oauthScopes"] = [s for s in manifest["oauthScopes"] if s != USERINFO_EMAIL]
    (folder / "appsscript.json").write_text(json.dumps(manifest), encoding="utf-8")
    with running_emulator(tmp_path_factory.mktemp("pre-fix-emulator"), folder) as emu:
        yield emu


def _workbook() -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=20, seed=3))


def test_pre_fix_manifest_fails_every_write_with_googles_permission_text(pre_fix_emulator: Emulator) -> None:
    sid = pre_fix_emulator.create_spreadsheet(_workbook())
    live = Live(pre_fix_emulator.url, pre_fix_emulator.deployment_id,
                token=pre_fix_emulator.access_token([s for s in REQUIRED_SCOPES if s != USERINFO_EMAIL]))
    before = live.snapshot(sid)
    with pytest.raises(BridgeError) as apply_error:
        apply(live, sid, v30())
    assert PERMISSION_TEXT in apply_error.value.message
    with pytest.raises(BridgeError) as hold_error:
        live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "reason": "test", "hold": True})
    assert PERMISSION_TEXT in hold_error.value.message
    assert live.snapshot(sid) == before, "a refused call changed the workbook"
    menu = pre_fix_emulator.menu_run(sid, "menuApplyPending", ui_answers=["YES"])
    assert PERMISSION_TEXT in json.dumps(menu)


def test_shipped_bridge_applies_under_enforced_scopes(emulator: Emulator, live: Live, new_sheet: Any) -> None:
    sid = new_sheet(spools=20)
    result = apply(live, sid, v30())
    assert result["status"] == "applied"
    history = live.values(sid, "'_zeues_migrations'!A1:J")
    who = history[0].index("who")
    assert history[-1][who] == "owner@example.com"


def _run(emulator: Emulator, token: str | None, sid: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{emulator.url}/v1/scripts/{emulator.deployment_id}:run", headers=headers, timeout=60,
                         json={"function": "describeSchema", "parameters": [{"spreadsheetId": sid}]})


def test_scripts_run_checks_the_token_against_every_manifest_scope(emulator: Emulator, new_sheet: Any) -> None:
    sid = new_sheet(spools=5)
    assert _run(emulator, emulator.access_token(), sid).status_code == 200
    no_token = _run(emulator, None, sid)
    assert no_token.status_code == 401 and no_token.json()["error"]["status"] == "UNAUTHENTICATED"
    assert "missing required authentication credential" in no_token.json()["error"]["message"]
    for scope in json.loads((BRIDGE_DIR / "appsscript.json").read_text(encoding="utf-8"))["oauthScopes"]:
        short = emulator.access_token([s for s in REQUIRED_SCOPES if s != scope])
        refused = _run(emulator, short, sid)
        assert refused.status_code == 401, scope
        detail = refused.json()["error"]["details"][0]
        assert detail["errorMessage"] == "Authorization is required to perform that action.", scope
    bogus = _run(emulator, "ya29.not-a-token", sid)
    assert bogus.status_code == 401 and "invalid authentication credentials" in bogus.json()["error"]["message"]


def test_rest_calls_check_the_tokens_scopes(emulator: Emulator, new_sheet: Any) -> None:
    sid = new_sheet(spools=5)
    read_only = emulator.access_token(["https://www.googleapis.com/auth/spreadsheets.readonly"])
    headers = {"Authorization": f"Bearer {read_only}"}
    assert requests.get(f"{emulator.url}/v4/spreadsheets/{sid}", headers=headers, timeout=30).status_code == 200
    write = requests.post(f"{emulator.url}/v4/spreadsheets/{sid}:batchUpdate", headers=headers, timeout=30,
                          json={"requests": [{"updateSpreadsheetProperties": {"properties": {"title": "x"},
                                                                              "fields": "title"}}]})
    assert write.status_code == 403
    body = write.json()["error"]
    assert body["message"] == "Request had insufficient authentication scopes."
    assert body["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    drive_only = emulator.access_token(["https://www.googleapis.com/auth/userinfo.email"])
    listed = requests.get(f"{emulator.url}/drive/v3/files", timeout=30,
                          headers={"Authorization": f"Bearer {drive_only}"})
    assert listed.status_code == 403 and listed.json()["error"]["errors"][0]["reason"] == "insufficientPermissions"


def test_an_emulator_token_refreshes_at_the_emulators_token_endpoint(emulator: Emulator, new_sheet: Any,
                                                                     tmp_path: Path) -> None:
    import google.auth.transport.requests

    from orchestrator.google.auth import load_credentials_file

    sid = new_sheet(spools=5)
    creds = load_credentials_file(emulator.credentials_file(tmp_path / "c.json")).credentials
    first = creds.token
    creds.refresh(google.auth.transport.requests.Request())  # type: ignore[no-untyped-call]
    assert creds.token != first and set(creds.granted_scopes or []) == set(REQUIRED_SCOPES)
    assert _run(emulator, creds.token, sid).status_code == 200
    narrower = requests.post(f"{emulator.url}/token", timeout=30, data={
        "grant_type": "refresh_token", "refresh_token": json.loads((tmp_path / "c.json").read_text())["refresh_token"],
        "scope": "https://www.googleapis.com/auth/drive"})
    assert narrower.status_code == 400 and narrower.json()["error"] == "invalid_scope"
