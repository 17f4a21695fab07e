"""HtmlService end to end: a bound run shows a sidebar, its page is served over HTTP, and the page's
google.script.run calls the script's server functions as a bound run of the spreadsheet by the user who opened it
(emulator/ui-server.js). A private emulator runs the tiny project in tests/emulator/fixtures/html/script."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.emulator import Emulator, running_emulator

SCRIPT = Path(__file__).parent / "fixtures" / "html" / "script"
EDITOR = "editor@example.com"


@pytest.fixture(scope="module")
def html_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("html-emulator"), SCRIPT) as emu:
        yield emu


@pytest.fixture()
def sidebar(html_emulator: Emulator) -> dict[str, Any]:
    """A new spreadsheet with the project bound, and the sidebar an editor opened on it."""
    sid = html_emulator.create_spreadsheet({"properties": {"title": "HTML test", "locale": "es_CL"},
                                            "sheets": [{"properties": {"title": "Hoja 1"}}]})
    run = html_emulator.menu_run(sid, "openSidebar", user_email=EDITOR)
    assert not run.get("error"), run
    (dialog,) = run["dialogs"]
    return {"sid": sid, **dialog}


def http(method: str, url: str, body: Any = None, timeout: float = 60.0) -> tuple[int, str, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def run(dialog: dict[str, Any], function: str, *parameters: Any) -> dict[str, Any]:
    """What google.script.run's POST gets back: {result?} or {error: {message, name}}."""
    status, _, text = http("POST", dialog["url"] + "/run", {"function": function, "parameters": list(parameters)})
    assert status == 200, text
    reply: dict[str, Any] = json.loads(text)
    return reply


def test_a_menu_run_shows_the_sidebar_and_its_page_is_served(html_emulator: Emulator,
                                                             sidebar: dict[str, Any]) -> None:
    assert sidebar["kind"] == "sidebar" and sidebar["title"] == "Panel de prueba"
    assert re.fullmatch(rf"{re.escape(html_emulator.url)}/_emulator/ui/[0-9a-f-]{{36}}", sidebar["url"])
    listed = [d for d in html_emulator.dialogs() if d["id"] == sidebar["id"]]
    assert [(d["kind"], d["spreadsheetId"], d["userEmail"], d["url"]) for d in listed] == [
        ("sidebar", sidebar["sid"], EDITOR, sidebar["url"])]
    status, content_type, page = http("GET", sidebar["url"])
    assert status == 200 and content_type.startswith("text/html")
    assert re.match(r"<!DOCTYPE html>\s*<html>\s*<head><script>\(function clientRuntime", page)
    assert f"<h1>Hola, {EDITOR}</h1>" in page  # the template's fields and the script's globals
    assert "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;" in page  # <?= ?> escapes
    assert "<style>h1 { color: #333; }</style>" in page  # include('Style')
    assert http("GET", html_emulator.url + "/_emulator/ui/not-a-dialog")[0] == 404


def test_a_new_sidebar_replaces_the_open_one(html_emulator: Emulator, sidebar: dict[str, Any]) -> None:
    again = html_emulator.menu_run(sidebar["sid"], "openSidebar", user_email=EDITOR)["dialogs"][0]
    open_ids = {d["id"] for d in html_emulator.dialogs()}
    assert again["id"] in open_ids and sidebar["id"] not in open_ids
    assert http("GET", sidebar["url"])[0] == 404
    assert http("POST", again["url"] + "/close", {})[0] == 200  # google.script.host.close()
    assert again["id"] not in {d["id"] for d in html_emulator.dialogs()}


def test_server_functions_run_bound_as_the_user_who_opened_the_sidebar(sidebar: dict[str, Any]) -> None:
    assert run(sidebar, "whoAmI") == {"result": {"user": EDITOR, "sheet": sidebar["sid"]}}
    assert run(sidebar, "echo", {"a": [1, None]}) == {"result": {"value": {"a": [1, None]}, "type": "[object Object]"}}
    assert run(sidebar, "writeCell", "hola") == {"result": "hola"}
    assert run(sidebar, "fail") == {"error": {"message": "Error: falló a propósito", "name": "ScriptError"}}
    assert run(sidebar, "secret_") == {"error": {"message": "Script function not found: secret_", "name": "ScriptError"}}
    assert run(sidebar, "returnsDate") == {"result": None}  # the success handler gets null
    assert run(sidebar, "nothing") == {}  # the page's success handler gets null too


def test_a_poll_is_answered_while_another_call_holds_the_lock(html_emulator: Emulator,
                                                              sidebar: dict[str, Any]) -> None:
    held: list[dict[str, Any]] = []
    holder = threading.Thread(target=lambda: held.append(run(sidebar, "holdLock", 6000)))
    holder.start()
    deadline = time.monotonic() + 30
    while not html_emulator.state()["locks"]:
        assert time.monotonic() < deadline, "the lock was never taken"
        time.sleep(0.02)
    # Answered while the other call still holds the document lock: runs are concurrent, locks still exclude.
    assert run(sidebar, "tryLock") == {"result": False}
    holder.join(60)
    assert held == [{"result": "held 6000"}]


def test_a_poll_is_answered_while_another_call_waits_on_a_slow_sheets_request(html_emulator: Emulator,
                                                                              sidebar: dict[str, Any]) -> None:
    html_emulator.fault(path=r"/values/", method="PUT", count=1, latencyMs=8000)
    try:
        written: list[dict[str, Any]] = []
        writer = threading.Thread(target=lambda: written.append(run(sidebar, "writeCell", "lento")))
        writer.start()
        deadline = time.monotonic() + 30
        while html_emulator.state()["faults"]["pending"]:
            assert time.monotonic() < deadline, "the write never reached the Sheets API"
            time.sleep(0.02)
        assert run(sidebar, "whoAmI")["result"]["user"] == EDITOR
        assert writer.is_alive(), "the poll was answered while the write was still held"
        writer.join(60)
        assert written == [{"result": "lento"}]
    finally:
        html_emulator.reset()


CLIENT = r"""
const vm = require('node:vm');
const [page, origin] = [require('node:fs').readFileSync(0, 'utf8'), process.argv[1]];
const client = /<script>(\(function clientRuntime[\s\S]*?)<\/script>/.exec(page)[1];
const context = vm.createContext({ setTimeout, fetch: (url, init) => fetch(origin + url, init) });
vm.runInContext(client, context);
const call = (name, args) => new Promise((resolve) => context.google.script.run
  .withSuccessHandler((value, user) => resolve({ ok: true, value, user }))
  .withFailureHandler((error, user) => resolve({ ok: false, message: error.message, name: error.name, user }))
  .withUserObject('u')[name](...vm.runInContext(args, context)));
(async () => {
  const thrown = (promise) => promise.then(() => 'not refused', (e) => e.message);
  const out = {
    date: await thrown(call('echo', '[new Date()]')),
    fn: await thrown(call('echo', '[{ f: function () {} }]')),
    ok: await call('echo', '[[1, undefined]]'),
    failed: await call('fail', '[]'),
    privateOnRunner: typeof context.google.script.run.secret_,
  };
  process.stdout.write(JSON.stringify(out));
})();
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed to run the page's script")
def test_the_pages_google_script_run_refuses_dates_and_functions(html_emulator: Emulator,
                                                                 sidebar: dict[str, Any]) -> None:
    """The page's own client script (run by node, talking to the emulator over its socket) follows Google's
    argument rules: a call with a Date or a function throws before anything is sent."""
    _, _, page = http("GET", sidebar["url"])
    done = subprocess.run(["node", "-e", CLIENT, html_emulator.url], input=page, capture_output=True, text=True,
                          timeout=60, check=True)
    out = json.loads(done.stdout)
    assert out["date"] == "Failed due to illegal value in property: 0"
    assert out["fn"] == "Failed due to illegal value in property: f"
    assert out["ok"] == {"ok": True, "value": {"value": [1, None], "type": "[object Array]"}, "user": "u"}
    assert out["failed"] == {"ok": False, "message": "Error: falló a propósito", "name": "ScriptError", "user": "u"}
    assert out["privateOnRunner"] == "undefined"
