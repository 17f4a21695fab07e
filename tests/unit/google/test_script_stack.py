"""No JavaScript stack line reaches a user (issue 12, finding 11): a script error's message keeps the bridge's
code and sentence; the frames (`scriptStackTraceElements`, or frames inside the error text) stay on the error's
`stack` attribute, never in what is printed."""

import re

import pytest
import responses

from orchestrator.cli.common import classify
from orchestrator.google import GoogleClients
from orchestrator.google.errors import ScriptError
from orchestrator.google.script import strip_stack
from tests.unit.google.conftest import SCRIPT_RUN

OP = "0123456789abcdef0123456789abcdef"
FRAME = re.compile(r"^\s*at\s", re.MULTILINE)


def failed(message: str, frames: list[dict[str, object]]) -> dict[str, object]:
    return {"done": True, "error": {"code": 3, "message": "ScriptError", "details": [{
        "@type": "type.googleapis.com/google.apps.script.v1.ExecutionError", "errorMessage": message,
        "errorType": "ScriptError", "scriptStackTraceElements": frames}]}}


FRAMES = [{"function": "requireSheet_", "lineNumber": 201}, {"function": "rollbackMigration", "lineNumber": 70}]


def test_a_refusal_keeps_its_code_and_sentence_and_no_frame(mocked: responses.RequestsMock,
                                                            clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, json=failed(
        'Error: ZEUES_NOT_FOUND: sheet "Metadata" not found in "ZEUES"', FRAMES))
    with pytest.raises(ScriptError) as caught:
        clients.script.run("rollbackMigration", {"opId": OP})
    exit_code, code, message = classify(caught.value)
    assert code == "NOT_FOUND" and 'sheet "Metadata" not found in "ZEUES"' in message
    assert not FRAME.search(message) and "line 201" not in message, message
    assert [s["function"] for s in caught.value.stack] == ["requireSheet_", "rollbackMigration"]  # kept, not shown


def test_frames_inside_the_error_text_are_dropped(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    text = ("TypeError: Cannot read properties of undefined (reading 'map')\n"
            "    at planRollback_ (Rollback.js:31:12)\n    at Object.<anonymous> (Api.js:70:5)")
    mocked.add("POST", SCRIPT_RUN, json=failed(text, FRAMES))
    with pytest.raises(ScriptError) as caught:
        clients.script.run("rollbackMigration", {"opId": OP})
    message = classify(caught.value)[2]
    assert "Cannot read properties of undefined (reading 'map')" in message
    assert not FRAME.search(message) and "Rollback.js:31" not in message and "line 70" not in message, message


@pytest.mark.parametrize(("text", "expected"), [
    ("ZEUES_DRIFT: the header changed; plan again", "ZEUES_DRIFT: the header changed; plan again"),
    ("Error: boom\n    at f (Api.js:1:2)\n  at g (x.js:3:4)", "Error: boom"),
    ("a sentence about a hat\nat line start: at fn (a.js:1)", "a sentence about a hat"),
])
def test_strip_stack(text: str, expected: str) -> None:
    assert strip_stack(text) == expected
