import socket

import pytest
import requests
import responses
import urllib3
from google.auth.credentials import AnonymousCredentials
from googleapiclient.http import _retry_request

from orchestrator.google.errors import AuthExpired, CredentialsError, MissingScopes, TransportError
from orchestrator.google.transport import (
    ConnectTimedOut,
    ReadTimedOut,
    ReplyLost,
    RequestNotSent,
    RequestsHttp,
)
from tests.unit.google.conftest import TOKEN_URI, user_credentials

URL = "https://sheets.googleapis.com/v4/spreadsheets/S1"


def anonymous_http(read_timeout: float = 30.0) -> RequestsHttp:
    return RequestsHttp(AnonymousCredentials(), read_timeout=read_timeout)


def refused() -> requests.exceptions.ConnectionError:
    """What requests raises for a refused connection: urllib3 never connected."""
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, URL, reason))


def test_passes_method_headers_and_body_and_returns_an_httplib2_response(mocked: responses.RequestsMock) -> None:
    mocked.add("POST", URL, body=b'{"ok": true}', status=201, headers={"X-Thing": "yes"},
               content_type="application/json")
    resp, content = anonymous_http().request(URL, "POST", body='{"name": "Año — x"}',
                                             headers={"content-type": "application/json", "x-custom": "1",
                                                      "content-length": "999"})
    sent = mocked.calls[0].request
    assert sent.method == "POST" and sent.headers["x-custom"] == "1"
    assert sent.body == '{"name": "Año — x"}'.encode()  # str bodies go as UTF-8, not requests' latin-1
    assert sent.headers["Content-Length"] == str(len(sent.body))  # googleapiclient's own length is dropped
    assert resp.status == 201 and resp["status"] == "201" and resp["x-thing"] == "yes"
    assert resp["content-type"] == "application/json" and content == b'{"ok": true}'


def test_redirects_are_not_followed(mocked: responses.RequestsMock) -> None:
    mocked.add("GET", URL, status=302, headers={"Location": "https://elsewhere.test/x"})
    resp, _ = anonymous_http().request(URL)
    assert resp.status == 302 and resp["location"] == "https://elsewhere.test/x"
    assert len(mocked.calls) == 1


def test_counts_response_bytes(mocked: responses.RequestsMock) -> None:
    mocked.add("GET", URL, body=b"x" * 1234)
    http = anonymous_http()
    http.request(URL)
    http.request(URL)
    assert http.bytes_received == 2468 and http.requests_sent == 2


def test_the_read_timeout_is_the_clients_own(mocked: responses.RequestsMock) -> None:
    mocked.add("GET", URL, body=b"{}")
    anonymous_http(read_timeout=420).request(URL)
    assert mocked.calls[0].request.req_kwargs["timeout"] == (10.0, 420)


@pytest.mark.parametrize(("raised", "expected", "builtin"), [
    (requests.exceptions.ReadTimeout("read timed out"), ReadTimedOut, socket.timeout),
    (requests.exceptions.ConnectTimeout("connect timed out"), ConnectTimedOut, socket.timeout),
    (refused(), RequestNotSent, ConnectionError),
    (requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"), ReplyLost, ConnectionError),
    (requests.exceptions.ChunkedEncodingError("connection broken"), ReplyLost, ConnectionError),
])
def test_requests_failures_become_the_builtins_googleapiclient_retries(
        mocked: responses.RequestsMock, raised: Exception, expected: type, builtin: type) -> None:
    mocked.add("GET", URL, body=raised)
    with pytest.raises(expected) as caught:
        anonymous_http().request(URL)
    assert isinstance(caught.value, builtin)
    # And googleapiclient's own retry loop does treat it as transient: it tries again and gets the answer.
    mocked.add("GET", URL, body=raised)
    mocked.add("GET", URL, body=b"{}")
    sleeps: list[float] = []
    resp, _ = _retry_request(anonymous_http(), 1, "request", sleeps.append, lambda: 0.0, URL, "GET")
    assert resp.status == 200 and len(sleeps) == 1


def test_a_malformed_url_is_not_transient() -> None:
    with pytest.raises(TransportError) as caught:
        anonymous_http().request("not a url")
    assert caught.value.may_have_run is False and not isinstance(caught.value, OSError)


def test_applies_the_token_and_refreshes_once_on_401(mocked: responses.RequestsMock) -> None:
    mocked.add("GET", URL, status=401, json={"error": {"code": 401, "message": "Request had invalid credentials"}})
    mocked.add("POST", TOKEN_URI, json={"access_token": "token-2", "expires_in": 3600})
    mocked.add("GET", URL, json={"ok": True})
    resp, _ = RequestsHttp(user_credentials("token-1").credentials, read_timeout=30).request(URL)
    assert resp.status == 200
    auth = [c.request.headers.get("authorization") for c in mocked.calls if c.request.url.startswith(URL)]
    assert auth == ["Bearer token-1", "Bearer token-2"]


def test_refreshes_only_once(mocked: responses.RequestsMock) -> None:
    mocked.add("GET", URL, status=401, json={"error": {"code": 401, "message": "invalid credentials"}})
    mocked.add("POST", TOKEN_URI, json={"access_token": "token-2", "expires_in": 3600})
    resp, _ = RequestsHttp(user_credentials().credentials, read_timeout=30).request(URL)
    assert resp.status == 401
    assert [c.request.method for c in mocked.calls] == ["GET", "POST", "GET"]


@pytest.mark.parametrize(("oauth_error", "expected", "words"), [
    ("invalid_grant", AuthExpired, "7 days"),
    ("invalid_scope", MissingScopes, "script.container.ui"),
    ("invalid_client", CredentialsError, "OAuth client"),
])
def test_a_failed_refresh_says_why(mocked: responses.RequestsMock, oauth_error: str, expected: type,
                                   words: str) -> None:
    mocked.add("POST", TOKEN_URI, status=400, json={"error": oauth_error, "error_description": "Bad Request"})
    creds = user_credentials().credentials
    creds.token = None  # no token yet: the first request refreshes
    with pytest.raises(expected, match=words):
        RequestsHttp(creds, read_timeout=30).request(URL)
    assert all(not c.request.url.startswith(URL) for c in mocked.calls)  # never sent without a token
