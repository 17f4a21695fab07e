import json
from pathlib import Path

import pytest

from orchestrator.google.errors import (
    ApiError,
    AuthExpired,
    CredentialsError,
    DeploymentNotFound,
    ExecutionTimeout,
    MissingScopes,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    ScriptError,
    TransportError,
    error_from_http,
    parse_bridge_code,
    script_error,
)
from orchestrator.google.scopes import BRIDGE_MANIFEST_SCOPES, DRIVE_READONLY, REQUIRED_SCOPES
from tests.unit.google.conftest import DEPLOYMENT_ID, google_error

ROOT = Path(__file__).resolve().parents[3]


def body(data: dict[str, object]) -> bytes:
    return json.dumps(data).encode()


def script_http(status: int, data: dict[str, object], target: str = DEPLOYMENT_ID) -> Exception:
    return error_from_http("script", status, body(data), method="script.scripts.run", target=target)


def test_404_on_scripts_run_is_a_deployment_not_found_that_names_the_deployment_id() -> None:
    error = script_http(404, google_error(404, "Requested entity was not found.", "notFound", status_text="NOT_FOUND"))
    assert isinstance(error, DeploymentNotFound) and error.status == 404
    assert DEPLOYMENT_ID in str(error) and "API-executable" in str(error) and "not the script id" in str(error)
    script_id = "1aBcD-script-id-not-a-deployment"
    error = script_http(404, google_error(404, "Requested entity was not found."), target=script_id)
    assert "probably the script id" in str(error)


def test_403_caller_without_permission_points_at_the_gcp_project() -> None:
    error = script_http(403, google_error(403, "The caller does not have permission", "forbidden",
                                          status_text="PERMISSION_DENIED"))
    assert isinstance(error, PermissionDenied) and error.kind == "wrong_project"
    assert "GCP project" in str(error) and "Desktop OAuth client" in str(error)


def test_403_user_setting_off_points_at_usersettings() -> None:
    message = ("User has not enabled the Apps Script API. Enable it by visiting "
               "https://script.google.com/home/usersettings then retry.")
    error = script_http(403, google_error(403, message, "forbidden"))
    assert isinstance(error, PermissionDenied) and error.kind == "user_api_setting"
    assert "https://script.google.com/home/usersettings" in str(error)


def test_403_api_disabled_in_the_project() -> None:
    message = "Apps Script API has not been used in project 123 before or it is disabled. Enable it by visiting ..."
    error = script_http(403, google_error(403, message, detail_reason="SERVICE_DISABLED"))
    assert isinstance(error, PermissionDenied) and error.kind == "api_disabled" and "Apps Script API" in str(error)
    sheets = error_from_http("sheets", 403, body(google_error(403, "Google Sheets API has not been used in "
                                                                   "project 1 before", "accessNotConfigured")),
                             method="m", target="S")
    assert isinstance(sheets, PermissionDenied) and sheets.kind == "api_disabled"


@pytest.mark.parametrize("data", [
    google_error(403, "Request had insufficient authentication scopes.", "insufficientPermissions",
                 detail_reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT", status_text="PERMISSION_DENIED"),
    google_error(403, "Request had insufficient authentication scopes."),
])
def test_403_insufficient_scopes_names_every_scope_needed(data: dict[str, object]) -> None:
    error = script_http(403, data)
    assert isinstance(error, MissingScopes)
    for scope in REQUIRED_SCOPES:
        assert scope in str(error)


def test_401_is_auth_expired_and_mentions_the_testing_consent_screen() -> None:
    error = script_http(401, google_error(401, "Request had invalid authentication credentials.",
                                          status_text="UNAUTHENTICATED"))
    assert isinstance(error, AuthExpired) and "Testing" in str(error) and "7 days" in str(error)


def test_401_script_error_of_a_token_missing_a_manifest_scope_names_the_scopes() -> None:
    # What scripts.run answers when the token lacks a scope the script is granted (emulator/README.md).
    data = {"error": {"code": 401, "message": "ScriptError", "status": "UNAUTHENTICATED", "details": [
        {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionError",
         "errorMessage": "Authorization is required to perform that action.", "errorType": "ScriptError"}]}}
    error = script_http(401, data)
    assert isinstance(error, MissingScopes) and "every scope the bridge's manifest" in str(error)
    assert all(scope in str(error) for scope in REQUIRED_SCOPES)


def test_401_without_any_token_says_to_give_credentials() -> None:
    error = script_http(401, google_error(401, "Request is missing required authentication credential. Expected "
                                               "OAuth 2 access token.", status_text="UNAUTHENTICATED"))
    assert isinstance(error, CredentialsError) and not isinstance(error, AuthExpired)
    assert "--credentials" in str(error) and "python -m orchestrator.emulator" in str(error)
    sheets = error_from_http("sheets", 403, body(google_error(403, "The request is missing a valid API key.",
                                                              status_text="PERMISSION_DENIED")),
                             method="sheets.spreadsheets.get", target="S")
    assert isinstance(sheets, CredentialsError) and "No OAuth token was sent" in str(sheets)


@pytest.mark.parametrize(("status", "data"), [
    (429, google_error(429, "Quota exceeded", "rateLimitExceeded", status_text="RESOURCE_EXHAUSTED")),
    (403, google_error(403, "Rate limit exceeded", "userRateLimitExceeded")),
    (403, google_error(403, "Quota exceeded", detail_reason="RATE_LIMIT_EXCEEDED")),
])
def test_rate_limits_are_quota(status: int, data: dict[str, object]) -> None:
    error = error_from_http("sheets", status, body(data), method="m", target="S")
    assert isinstance(error, QuotaExhausted)


def test_sheets_404_and_403_speak_of_the_spreadsheet() -> None:
    missing = error_from_http("sheets", 404, body(google_error(404, "Requested entity was not found.")),
                              method="m", target="SHEET")
    assert isinstance(missing, NotFound) and "SHEET" in str(missing) and "shared" in str(missing)
    denied = error_from_http("sheets", 403, body(google_error(403, "The caller does not have permission")),
                             method="m", target="SHEET")
    assert isinstance(denied, PermissionDenied) and denied.kind == "no_access" and "share" in str(denied)


def test_5xx_is_a_transport_error_and_400_an_api_error() -> None:
    error = error_from_http("sheets", 503, b"Service Unavailable", method="m", target="S")
    assert isinstance(error, TransportError) and error.may_have_run and "Service Unavailable" in str(error)
    bad = error_from_http("sheets", 400, body(google_error(400, "Unable to parse range: Foo!A1")), method="m",
                          target="S")
    assert isinstance(bad, ApiError) and "Unable to parse range" in str(bad)


def execution_error(message: str, error_type: str = "ScriptError") -> dict[str, object]:
    return {"code": 3, "message": "ScriptError", "details": [{
        "@type": "type.googleapis.com/google.apps.script.v1.ExecutionError", "errorMessage": message,
        "errorType": error_type,
        "scriptStackTraceElements": [{"function": "fail_", "lineNumber": 25}, {"function": "applyMigration",
                                                                                 "lineNumber": 48}]}]}


def test_a_script_error_carries_the_bridge_code_message_and_stack() -> None:
    error = script_error("applyMigration", execution_error(
        "Error: ZEUES_LOCK_BUSY: another bridge run holds the lock — wait and rerun"), "op-123456")
    assert type(error) is ScriptError
    assert error.code == "LOCK_BUSY" and error.bridge_message == "another bridge run holds the lock — wait and rerun"
    assert error.function == "applyMigration" and error.op_id == "op-123456" and error.error_type == "ScriptError"
    assert [s["function"] for s in error.stack] == ["fail_", "applyMigration"]
    assert "ZEUES_LOCK_BUSY" in str(error) and "at applyMigration (line 48)" in str(error)


def test_a_script_error_without_a_bridge_code_says_it_is_unexpected() -> None:
    error = script_error("applyMigration", execution_error("TypeError: Cannot read properties of undefined",
                                                           "TypeError"), None)
    assert error.code is None and "unexpectedly" in str(error) and "Executions" in str(error)


def test_the_six_minute_limit_is_an_execution_timeout() -> None:
    error = script_error("applyMigration", execution_error("Exceeded maximum execution time"), "op-123456")
    assert isinstance(error, ExecutionTimeout) and "6-minute" in str(error) and "rerun" in str(error)


def test_a_missing_function_says_to_deploy() -> None:
    error = script_error("bridgeInfo", execution_error("Script function not found: bridgeInfo"), "op-123456")
    assert "clasp push --force" in str(error)


def test_a_script_error_without_details_still_reads() -> None:
    error = script_error("bridgeInfo", {"code": 10, "message": "ABORTED"}, None)
    assert error.error_message == "ABORTED" and error.stack == []


def test_parse_bridge_code() -> None:
    assert parse_bridge_code("ZEUES_DRIFT: header changed") == ("DRIFT", "header changed")
    assert parse_bridge_code("Error: ZEUES_CELL_LIMIT: too big\nsecond line") == ("CELL_LIMIT", "too big\nsecond line")
    assert parse_bridge_code("Exception: something else") == (None, None)


def test_the_required_scopes_cover_the_bridge_manifest() -> None:
    # scripts.run needs a token with every scope the script's manifest declares.
    manifest = json.loads((ROOT / "appsscript" / "appsscript.json").read_text(encoding="utf-8"))
    assert set(BRIDGE_MANIFEST_SCOPES) == set(manifest["oauthScopes"])
    assert set(REQUIRED_SCOPES) == set(manifest["oauthScopes"]) | {DRIVE_READONLY}
