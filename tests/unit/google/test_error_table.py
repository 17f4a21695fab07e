"""Every answer Google gives that errors.py maps, in one table pinned to what the operator gets: the error type,
its attributes and the whole message (the fix it names). A change to any of them shows here as a diff to review,
then `ZEUES_REGEN_GOLDEN=1 pytest tests/unit/google/test_error_table.py` records it (and docs/troubleshooting.md
should say the same)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from orchestrator.google.errors import GoogleError, GridChanged, PermissionDenied, error_from_http, script_error
from tests.unit.google.conftest import DEPLOYMENT_ID, google_error

GOLDEN = Path(__file__).with_name("error_table.json")
SID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"

# (case, api, status, body, target); a body is a dict (sent as JSON) or raw text.
CASES: list[tuple[str, str, int, Any, str]] = [
    ("401 expired", "sheets", 401, google_error(401, "Request had invalid authentication credentials.",
                                                status_text="UNAUTHENTICATED"), SID),
    ("401 no token", "sheets", 401, google_error(401, "Request is missing required authentication credential."), SID),
    ("403 no token", "drive", 403, google_error(403, "The request is missing a valid API key."), SID),
    ("401 script needs scopes", "script", 401, {"error": {"code": 401, "message": "ScriptError", "details": [
        {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionError",
         "errorMessage": "Authorization is required to perform that action."}]}}, DEPLOYMENT_ID),
    ("403 rate limit", "sheets", 403, google_error(403, "Quota exceeded", "rateLimitExceeded"), SID),
    ("403 user rate limit", "sheets", 403, google_error(403, "Quota exceeded", "userRateLimitExceeded"), SID),
    ("403 scopes by reason", "sheets", 403, google_error(403, "Insufficient Permission", "insufficientPermissions"),
     SID),
    ("403 scopes by detail", "script", 403, google_error(403, "Request had insufficient authentication scopes.",
                                                         detail_reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT"),
     DEPLOYMENT_ID),
    ("403 scopes by text", "drive", 403, google_error(403, "Request had insufficient authentication scopes."), SID),
    ("403 script api off for the user", "script", 403, google_error(
        403, "User has not enabled the Apps Script API. Enable it by visiting "
             "https://script.google.com/home/usersettings then retry.", "forbidden"), DEPLOYMENT_ID),
    ("403 service disabled (detail)", "sheets", 403, google_error(403, "Google Sheets API has not been used.",
                                                                  detail_reason="SERVICE_DISABLED"), SID),
    ("403 access not configured", "drive", 403, google_error(403, "Drive API off", "accessNotConfigured"), SID),
    ("403 not used in project", "script", 403, google_error(
        403, "Apps Script API has not been used in project 123 before or it is disabled."), DEPLOYMENT_ID),
    ("403 script caller", "script", 403, google_error(403, "The caller does not have permission", "forbidden",
                                                      status_text="PERMISSION_DENIED"), DEPLOYMENT_ID),
    ("403 sheets no access", "sheets", 403, google_error(403, "The caller does not have permission",
                                                         status_text="PERMISSION_DENIED"), SID),
    ("403 drive no access", "drive", 403, google_error(403, "The user does not have sufficient permissions.",
                                                       "insufficientFilePermissions"), SID),
    ("404 deployment", "script", 404, google_error(404, "Requested entity was not found.", "notFound"),
     DEPLOYMENT_ID),
    ("404 script id given", "script", 404, google_error(404, "Requested entity was not found."), "1aBcD-script-id"),
    ("404 sheet", "sheets", 404, google_error(404, "Requested entity was not found.", status_text="NOT_FOUND"), SID),
    ("404 drive file", "drive", 404, google_error(404, "File not found: x.", "notFound"), SID),
    ("429", "sheets", 429, google_error(429, "Quota exceeded for quota metric 'Read requests'.",
                                        status_text="RESOURCE_EXHAUSTED"), SID),
    ("500", "sheets", 500, google_error(500, "Internal error encountered.", status_text="INTERNAL"), SID),
    ("503 raw text", "drive", 503, "Service Unavailable", SID),
    ("400", "sheets", 400, google_error(400, "Unable to parse range: 'Nope'!A1", status_text="INVALID_ARGUMENT"), SID),
    ("400 no message", "sheets", 400, google_error(400, "."), SID),
    ("400 oauth style", "sheets", 400, {"error": "invalid_grant", "error_description": "Bad Request"}, SID),
    ("502 empty body", "sheets", 502, None, SID),
]

SCRIPT_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("bridge refusal with stack", {"details": [{"errorMessage": "ZEUES_DRIFT: the header changed; plan again",
                                                "errorType": "ScriptError", "scriptStackTraceElements": [
                                                    {"function": "applyMigration", "lineNumber": 12}, {}]}]},
     "op-12345678"),
    ("time limit", {"details": [{"errorMessage": "Exceeded maximum execution time", "errorType": "ScriptError"}]},
     None),
    ("function missing", {"details": [{"errorMessage": "Script function not found: applyMigration",
                                       "errorType": "ScriptError"}]}, "op-1"),
    ("a bug", {"details": [{"errorMessage": "TypeError: x is undefined", "errorType": "TypeError"}]}, None),
    ("no details", {"message": "ScriptError"}, None),
    ("nothing", {}, None),
]


def _described(error: GoogleError) -> dict[str, Any]:
    """Everything the caller can read of an error."""
    attributes = {k: v for k, v in vars(error).items() if not k.startswith("_")}
    return {"type": type(error).__name__, "message": str(error), **json.loads(json.dumps(attributes, default=str))}


def _table() -> dict[str, Any]:
    table = {}
    for case, api, status, content, target in CASES:
        raw = json.dumps(content).encode() if isinstance(content, dict) else content
        table[case] = _described(error_from_http(api, status, raw, method=f"{api}.some.method",  # type: ignore[arg-type]
                                                 target=target))
    for case, error, op_id in SCRIPT_CASES:
        table["script: " + case] = _described(script_error("applyMigration", error, op_id))
    for case, found in (("rows deleted", (2000, 63)), ("sheet gone", None)):
        table["grid changed: " + case] = _described(GridChanged(
            "Google answered 400 to sheets.values.batchGet: Range ('Operaciones'!A2401:BK2600) exceeds grid limits.",
            sheet="Operaciones", expected=(2556, 63), found=found, status=400, reason="badRequest",
            method="sheets.values.batchGet"))
    table["permission denied, default status"] = _described(PermissionDenied("no", kind="no_access"))
    return table


def test_every_mapped_answer_gives_the_pinned_error() -> None:
    table = _table()
    if os.environ.get("ZEUES_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(table, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert table.keys() == pinned.keys()
    for case, described in table.items():
        assert described == pinned[case], case


@pytest.mark.parametrize("case", [c[0] for c in CASES] + ["grid changed: rows deleted", "grid changed: sheet gone"])
def test_each_case_maps_to_a_distinct_fix(case: str) -> None:
    """The table is not a pile of copies: cases meant to differ do (a mutant merging two branches shows here)."""
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    others = [c for c, d in pinned.items() if c != case and d == pinned[case]]
    assert not others, f"{case} gives the same error as {others}"
