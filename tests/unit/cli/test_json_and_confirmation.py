"""`--json` prints exactly one document (command, ok, exitCode, result, error) on stdout, for success and failure;
a change needs a terminal to confirm on, or --yes."""

from __future__ import annotations

import io
import json

import pytest
import responses

from orchestrator.cli import common
from orchestrator.cli.common import Failure, confirm_or_refuse
from orchestrator.exit_codes import ExitCode
from tests.unit.cli.conftest import GET, RUN, SID, Invoke, google_error, live_state, script_ok

KEYS = {"command", "ok", "exitCode", "result", "error"}


def _bridge_calls(mocked: responses.RequestsMock) -> list[dict[str, object]]:
    return [json.loads(c.request.body) for c in mocked.calls if c.request.url.split("?")[0] == RUN]


def test_success_document(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    live_state(mocked)
    out = invoke("status", "--json")
    assert out.code == 0
    doc = json.loads(out.stdout)  # the whole of stdout is the one document
    assert set(doc) == KEYS
    assert (doc["command"], doc["ok"], doc["exitCode"], doc["error"]) == ("status", True, 0, None)
    assert doc["result"]["spreadsheet_id"] == SID and doc["result"]["pending"] == ["3.0"]


def test_failure_document(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("GET", GET, status=404, json=google_error(404, "Requested entity was not found."))
    out = invoke("status", "--json")
    doc = json.loads(out.stdout)
    assert set(doc) == KEYS and set(doc["error"]) == {"code", "message"}
    assert (doc["command"], doc["ok"], doc["exitCode"], doc["result"]) == ("status", False, 2, None)
    assert out.code == 2 and SID in doc["error"]["message"]


def test_without_json_the_error_goes_to_stderr(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("GET", GET, status=404, json=google_error(404, "Requested entity was not found."))
    out = invoke("status")
    assert out.code == 2 and out.stdout == ""
    assert out.stderr.startswith("zeues-migrate status: Google answered 404")


def test_a_bridge_verb_document(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("POST", RUN, json=script_ok({"status": "held", "hold": {"by": "me", "at": "t", "reason": "audit"}}))
    doc = invoke("hold", "--reason", "audit", "--json").doc
    assert (doc["command"], doc["ok"], doc["exitCode"], doc["error"]) == ("hold", True, 0, None)
    assert doc["result"]["status"] == "held"
    (call,) = _bridge_calls(mocked)
    assert call["function"] == "setHold" and call["parameters"][0]["hold"] is True  # type: ignore[index]


def test_apply_refuses_without_a_terminal_or_yes(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    live_state(mocked)
    out = invoke("apply", "--execute", "--json")
    assert out.code == ExitCode.USAGE
    assert out.doc["error"]["code"] == "USAGE" and "no terminal to confirm on; add --yes" in out.doc["error"]["message"]
    assert _bridge_calls(mocked) == [], "nothing was sent to the bridge"


def test_rollback_refuses_without_a_terminal_or_yes(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    out = invoke("rollback", "3.0", "--execute", "--json")
    assert out.code == ExitCode.USAGE and "--yes" in out.doc["error"]["message"]
    assert not mocked.calls


@pytest.mark.parametrize("flag", ["--execute", "--force"])  # --force: the deprecated alias of --execute
def test_restore_execute_only_counts_without_a_terminal_or_yes(mocked: responses.RequestsMock, invoke: Invoke,
                                                               flag: str) -> None:
    mocked.add("POST", RUN, json=script_ok({"status": "differs", "cellsDiffering": 12,
                                            "sheets": [{"sheet": "Operaciones", "cellsDiffering": 12}]}))
    out = invoke("restore", "1BackupId", flag, "--json")
    assert out.code == ExitCode.USAGE and "12 cells differ" in out.doc["error"]["message"]
    assert "add --yes" in out.doc["error"]["message"]
    (call,) = _bridge_calls(mocked)
    assert "force" not in call["parameters"][0]  # type: ignore[index]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_confirm_or_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    confirm_or_refuse("Apply?", yes=True)  # --yes: no question asked

    monkeypatch.setattr(common.sys, "stdin", io.StringIO())
    with pytest.raises(Failure) as refused:
        confirm_or_refuse("Apply 3.0?", yes=False)
    assert refused.value.code is ExitCode.USAGE and "add --yes" in refused.value.message

    monkeypatch.setattr(common.sys, "stdin", _Tty())
    answers = iter([False, True])
    monkeypatch.setattr(common.click, "confirm", lambda *a, **k: next(answers))
    with pytest.raises(Failure) as cancelled:
        confirm_or_refuse("Apply 3.0?", yes=False)
    # Answering no is a decision, not an error (docs/operator.md, "Confirmation"): exit 0, nothing changed.
    assert cancelled.value.code is ExitCode.OK and cancelled.value.message == "cancelled; nothing was changed"
    assert cancelled.value.result == {"executed": False, "cancelled": True}
    confirm_or_refuse("Apply 3.0?", yes=False)  # answered yes
