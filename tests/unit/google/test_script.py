import json

import pytest
import requests
import responses
import urllib3
from google.auth.credentials import AnonymousCredentials

from orchestrator.config import ConfigError
from orchestrator.google import GoogleClients, new_op_id
from orchestrator.google.auth import LoadedCredentials
from orchestrator.google.errors import (
    AuthExpired,
    DeploymentNotFound,
    ExecutionTimeout,
    PermissionDenied,
    QuotaExhausted,
    ScriptError,
    ServiceAccountNotAllowed,
    TransportError,
)
from tests.unit.google.conftest import SCRIPT_RUN, TOKEN_URI, FakeTime, google_error, make_clients

OP = "0123456789abcdef0123456789abcdef"


def ok(result: object = None) -> dict[str, object]:
    response: dict[str, object] = {"@type": "type.googleapis.com/google.apps.script.v1.ExecutionResponse"}
    if result is not None:
        response["result"] = result
    return {"done": True, "response": response}


def test_runs_the_function_on_the_deployment_and_returns_its_result(
        mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, json=ok({"status": "applied", "rows": 3}))
    result = clients.script.run("applyMigration", {"opId": OP, "spreadsheetId": "S1"})
    assert result == {"status": "applied", "rows": 3}
    (call,) = mocked.calls
    assert json.loads(call.request.body) == {"function": "applyMigration", "devMode": False,
                                             "parameters": [{"opId": OP, "spreadsheetId": "S1"}]}
    assert call.request.headers["authorization"] == "Bearer token-1"
    stats = clients.stats.methods["script.scripts.run:applyMigration"]
    assert (stats.calls, stats.requests, stats.failures) == (1, 1, 0) and stats.bytes > 0


def test_a_missing_result_is_an_empty_object(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, json=ok())
    assert clients.script.run("setHold", {"opId": OP}) == {}


def test_the_read_timeout_outlasts_the_six_minute_limit(clients: GoogleClients) -> None:
    assert clients.script.http.timeout[1] == 420 > 360


@pytest.mark.parametrize("request_body", [{}, {"opId": ""}, {"opId": "short"}, {"opId": 12345678}])
def test_refuses_a_request_without_an_op_id(mocked: responses.RequestsMock, clients: GoogleClients,
                                            request_body: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="opId"):
        clients.script.run("applyMigration", request_body)
    assert len(mocked.calls) == 0


def test_refuses_private_functions(clients: GoogleClients) -> None:
    with pytest.raises(ValueError, match="private"):
        clients.script.run("mutating_", {"opId": OP})


def test_new_op_ids_are_unique_hex() -> None:
    ids = {new_op_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_an_execution_error_in_a_200_is_a_script_error(mocked: responses.RequestsMock,
                                                       clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, json={"done": True, "error": {"code": 3, "message": "ScriptError", "details": [{
        "@type": "type.googleapis.com/google.apps.script.v1.ExecutionError",
        "errorMessage": "Error: ZEUES_HOLD: migrations are on hold (reason: audit) — release the hold first",
        "errorType": "ScriptError", "scriptStackTraceElements": [{"function": "applyMigration", "lineNumber": 47}]}]}})
    with pytest.raises(ScriptError) as caught:
        clients.script.run("applyMigration", {"opId": OP})
    assert caught.value.code == "HOLD" and caught.value.op_id == OP and caught.value.stack[0]["lineNumber"] == 47
    assert clients.stats.methods["script.scripts.run:applyMigration"].failures == 1


def test_the_time_limit_is_an_execution_timeout(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, json={"done": True, "error": {"code": 3, "message": "ScriptError", "details": [{
        "@type": "type.googleapis.com/google.apps.script.v1.ExecutionError",
        "errorMessage": "Exceeded maximum execution time", "errorType": "ScriptError"}]}})
    with pytest.raises(ExecutionTimeout):
        clients.script.run("applyMigration", {"opId": OP})


def refused() -> requests.exceptions.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "[Errno 111] Connection refused")
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, SCRIPT_RUN, reason))


@pytest.mark.parametrize(("failure", "expected", "may_have_run"), [
    ({"status": 503, "json": google_error(503, "The service is currently unavailable.")}, TransportError, True),
    ({"status": 500, "json": google_error(500, "Internal error encountered.")}, TransportError, True),
    ({"body": requests.exceptions.ReadTimeout("read timed out")}, TransportError, True),
    ({"body": requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected")}, TransportError, True),
    ({"body": refused()}, TransportError, False),
    ({"body": requests.exceptions.ConnectTimeout("connect timed out")}, TransportError, False),
    ({"status": 429, "json": google_error(429, "Quota exceeded", "rateLimitExceeded")}, QuotaExhausted, None),
])
def test_scripts_run_is_never_retried(mocked: responses.RequestsMock, fake_time: FakeTime,
                                      failure: dict[str, object], expected: type, may_have_run: bool | None) -> None:
    mocked.add("POST", SCRIPT_RUN, **failure)  # type: ignore[arg-type]
    mocked.add("POST", SCRIPT_RUN, json=ok({"status": "applied"}))  # what a retry would get
    with make_clients(fake_time) as clients, pytest.raises(expected) as caught:
        clients.script.run("applyMigration", {"opId": OP})
    assert len(mocked.calls) == 1 and fake_time.sleeps == []
    assert OP in str(caught.value)
    if may_have_run is not None:
        assert caught.value.may_have_run is may_have_run
        assert ("may or may not have run" in str(caught.value)) is may_have_run


def test_404_is_deployment_not_found(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, status=404, json=google_error(404, "Requested entity was not found.", "notFound"))
    with pytest.raises(DeploymentNotFound, match="not the script id"):
        clients.script.run("bridgeInfo", {"opId": OP})
    assert len(mocked.calls) == 1


def test_403_is_permission_denied(mocked: responses.RequestsMock, clients: GoogleClients) -> None:
    mocked.add("POST", SCRIPT_RUN, status=403, json=google_error(403, "The caller does not have permission",
                                                                   "forbidden"))
    with pytest.raises(PermissionDenied) as caught:
        clients.script.run("bridgeInfo", {"opId": OP})
    assert caught.value.kind == "wrong_project" and len(mocked.calls) == 1


def test_401_refreshes_the_token_once_then_is_auth_expired(mocked: responses.RequestsMock,
                                                           clients: GoogleClients) -> None:
    # A 401 is answered before anything runs, so sending the call again with a fresh token is not a retry.
    mocked.add("POST", SCRIPT_RUN, status=401, json=google_error(401, "Request had invalid authentication "
                                                                   "credentials."))
    mocked.add("POST", TOKEN_URI, json={"access_token": "token-2", "expires_in": 3600})
    with pytest.raises(AuthExpired, match="7 days"):
        clients.script.run("bridgeInfo", {"opId": OP})
    assert [c.request.url.split("?")[0] for c in mocked.calls] == [SCRIPT_RUN, TOKEN_URI, SCRIPT_RUN]


def test_service_accounts_are_refused_before_anything_is_sent(mocked: responses.RequestsMock,
                                                              fake_time: FakeTime) -> None:
    service_account = LoadedCredentials(AnonymousCredentials(), "service_account", "key.json")
    with make_clients(fake_time, credentials=service_account) as clients:
        with pytest.raises(ServiceAccountNotAllowed, match="Google does not allow service accounts"):
            clients.script.run("bridgeInfo", {"opId": OP})
    assert len(mocked.calls) == 0


def test_no_deployment_id_is_a_config_error(fake_time: FakeTime) -> None:
    clients = make_clients(fake_time)
    clients.config = clients.config.model_copy(update={"deployment_id": None})
    with pytest.raises(ConfigError, match="ZEUES_DEPLOYMENT_ID"):
        clients.script.run("bridgeInfo", {"opId": OP})
