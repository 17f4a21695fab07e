"""The emulator as a process: restart keeps the data, SIGTERM exits 0, kill -9 in the middle of writes never
leaves a state that cannot be loaded, and the control surface (faults, script settings, menu runs)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from orchestrator.emulator import OWNER_SCOPES, Emulator, running_emulator, start_emulator
from orchestrator.google.scopes import REQUIRED_SCOPES
from tests.emulator.conftest import FIXTURE_SCRIPT


def call(emu: Emulator, method: str, path: str, body: Any = None, timeout: float = 30) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if not path.startswith("/_emulator/"):  # Google's APIs need a token; scripts.run one with the script's scopes
        headers["Authorization"] = f"Bearer {emu.access_token([*REQUIRED_SCOPES, *OWNER_SCOPES])}"
    req = urllib.request.Request(emu.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def values(emu: Emulator, sid: str, rng: str) -> list[list[Any]]:
    status, body = call(emu, "GET", f"/v4/spreadsheets/{sid}/values/{rng}")
    assert status == 200, body
    return list(body.get("values", []))


def test_restart_keeps_everything(tmp_path: Path, workbook_resource: dict[str, Any]) -> None:
    with running_emulator(tmp_path) as emu:
        sid = emu.create_spreadsheet(workbook_resource)
        status, _ = call(emu, "PUT", f"/v4/spreadsheets/{sid}/values/Resumen!A5?valueInputOption=USER_ENTERED",
                         {"values": [["28-01-2026", "=A5+1"]]})
        assert status == 200
        status, _ = call(emu, "POST", f"/v4/spreadsheets/{sid}:batchUpdate", {"requests": [{"createDeveloperMetadata": {
            "developerMetadata": {"metadataKey": "zeues.schema_version", "metadataValue": "3.0", "visibility": "DOCUMENT",
                                  "location": {"spreadsheet": True}}}}]})
        assert status == 200
        status, copy = call(emu, "POST", f"/drive/v3/files/{sid}/copy", {"name": "backup"})
        before = values(emu, sid, "Operaciones")
    assert emu.process.returncode == 0
    with running_emulator(tmp_path) as emu:
        assert values(emu, sid, "Resumen!A5:B5") == [["28-01-2026", "46051"]]
        assert values(emu, sid, "Operaciones") == before
        status, found = call(emu, "POST", f"/v4/spreadsheets/{sid}/developerMetadata:search",
                             {"dataFilters": [{"developerMetadataLookup": {"metadataKey": "zeues.schema_version"}}]})
        assert found["matchedDeveloperMetadata"][0]["developerMetadata"]["metadataValue"] == "3.0"
        assert copy["id"] in emu.state()["spreadsheets"]


def test_kill_during_writes_never_corrupts(tmp_path: Path) -> None:
    emu = start_emulator(tmp_path)
    sid = emu.create_spreadsheet({"properties": {"title": "crash"}})
    done = 0
    stop = threading.Event()

    def writer() -> None:
        nonlocal done
        i = 0
        while not stop.is_set():
            try:
                status, _ = call(emu, "PUT", f"/v4/spreadsheets/{sid}/values/Sheet1!A{i % 900 + 1}?valueInputOption=RAW",
                                 {"values": [[f"v{i}", i]]}, timeout=5)
            except Exception:
                return
            if status == 200:
                done = i + 1
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    time.sleep(1.0)
    emu.kill()  # SIGKILL, mid-write
    stop.set()
    t.join()
    assert done > 10
    emu = start_emulator(tmp_path)
    try:
        rows = values(emu, sid, "Sheet1!A1:B900")
        # Every acknowledged write is there (the last one may or may not have landed).
        last = done - 1
        assert rows[last % 900] == [f"v{last}", str(last)]
        assert all(len(r) == 2 and r[0].startswith("v") for r in rows if r)
        status, _ = call(emu, "PUT", f"/v4/spreadsheets/{sid}/values/Sheet1!C1?valueInputOption=RAW", {"values": [["after"]]})
        assert status == 200
    finally:
        assert emu.stop() == 0


def test_torn_journal_tail_is_discarded(tmp_path: Path) -> None:
    with running_emulator(tmp_path) as emu:
        sid = emu.create_spreadsheet({"properties": {"title": "torn"}})
        call(emu, "PUT", f"/v4/spreadsheets/{sid}/values/Sheet1!A1?valueInputOption=RAW", {"values": [["kept"]]})
        emu.kill()
    journal = tmp_path / "journal.log"
    with journal.open("ab") as f:
        f.write(b'deadbeef {"q": 99, "w": "half a rec')
    with running_emulator(tmp_path) as emu:
        assert values(emu, sid, "Sheet1!A1") == [["kept"]]
    assert b"half a rec" not in journal.read_bytes()


def test_faults(tmp_path: Path) -> None:
    with running_emulator(tmp_path) as emu:
        sid = emu.create_spreadsheet({})
        emu.fault(path="/values/", count=2, status=429)
        assert call(emu, "GET", f"/v4/spreadsheets/{sid}/values/A1")[0] == 429
        status, body = call(emu, "GET", f"/v4/spreadsheets/{sid}/values/A1")
        assert status == 429 and body["error"]["status"] == "RESOURCE_EXHAUSTED"
        assert call(emu, "GET", f"/v4/spreadsheets/{sid}/values/A1")[0] == 200
        emu.fault(path="/values/", method="GET", drop=True)
        with pytest.raises(Exception):
            call(emu, "GET", f"/v4/spreadsheets/{sid}/values/A1")
        emu.fault(path="/values/", latencyMs=300)
        started = time.monotonic()
        assert call(emu, "GET", f"/v4/spreadsheets/{sid}/values/A1")[0] == 200
        assert time.monotonic() - started >= 0.3
        emu.fault(afterValidation=True)
        status, body = call(emu, "POST", f"/v4/spreadsheets/{sid}:batchUpdate",
                            {"requests": [{"addSheet": {"properties": {"title": "nuevo"}}}]})
        assert status == 500
        _, got = call(emu, "GET", f"/v4/spreadsheets/{sid}")
        assert [s["properties"]["title"] for s in got["sheets"]] == ["Sheet1"]
        emu.fault(path=".*", status=503, count=5)
        emu.reset()
        assert call(emu, "GET", f"/v4/spreadsheets/{sid}/values/A1")[0] == 200


def test_script_control_and_menu_run(tmp_path: Path) -> None:
    with running_emulator(tmp_path, FIXTURE_SCRIPT) as emu:
        sid = emu.create_spreadsheet({"sheets": [{"data": [{"rowData": [{"values": [
            {"userEnteredValue": {"stringValue": "a"}}, {"userEnteredValue": {"stringValue": "b"}}]}]}]}]})
        path = f"/v1/scripts/{emu.deployment_id}:run"
        emu.script_control(loseReply=1)
        with pytest.raises(Exception):
            call(emu, "POST", path, {"function": "hello", "parameters": ["x"]})
        assert call(emu, "POST", path, {"function": "hello", "parameters": ["x"]})[1]["response"]["result"]["n"] == 3
        emu.script_control(executionLimitMs=1500, hang=True)
        status, op = call(emu, "POST", path, {"function": "hello", "parameters": ["x"]})
        assert status == 200 and op["error"]["details"][0]["errorMessage"] == "Exceeded maximum execution time"
        out = emu.menu_run(sid, "headerOf", parameters=[sid])
        assert out["result"] == ["a", "b", ""] and out["alerts"] == []


def test_the_credentials_file_is_never_seen_half_written(emulator: Emulator, tmp_path: Path) -> None:
    """Test threads rewrite the one credentials file while CLI processes read it (tests/e2e/test_resume.py runs
    four at once): every read sees a whole authorized-user JSON, never an empty or truncated file."""
    path = emulator.credentials_file(tmp_path / "credentials.json")
    done = threading.Event()
    torn: list[str] = []

    def read() -> None:
        while not done.is_set():
            text = path.read_text(encoding="utf-8")
            try:
                json.loads(text)
            except ValueError:
                torn.append(text)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(150):
            emulator.credentials_file(path)
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert torn == []
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["credentials.json"]  # no partial file left beside it
