"""A `requests`-based stand-in for `httplib2.Http`, which googleapiclient accepts as `http=`.

Why: googleapiclient talks httplib2, which the `responses` library cannot see; over `requests` every call is
interceptable in unit tests, and credentials come from google-auth's `AuthorizedSession` (credentials applied
to each request, refreshed once on a 401 and the request sent again: a 401 is answered before Google runs
anything, so resending it is not a retry of the call).

requests' failures become the built-in exceptions googleapiclient's `_retry_request` treats as transient
(`socket.timeout` i.e. `TimeoutError`, and `ConnectionError`), through subclasses that also say whether the
request can have reached the server; redirects are never followed (httplib2 would follow them).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import google.auth.exceptions
import httplib2
import requests
import urllib3.exceptions
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession

from orchestrator.google import stats
from orchestrator.google.auth import is_loopback
from orchestrator.google.errors import AuthExpired, CredentialsError, MissingScopes, TransportError, scopes_hint

DEFAULT_CONNECT_TIMEOUT = 10.0


class RequestNotSent(ConnectionError):
    """The connection could not be made: the request never reached the server."""


class ConnectTimedOut(TimeoutError):
    """The connection was not made in time: the request never reached the server."""


class ReplyLost(ConnectionError):
    """The connection broke after the request may have been sent: the server may have acted on it."""


class ReadTimedOut(TimeoutError):
    """No answer within the read timeout: the server may still be acting on the request."""


TRANSIENT_EXCEPTIONS = (TimeoutError, ConnectionError)  # what googleapiclient (and our reads) retry
NOT_SENT_EXCEPTIONS = (RequestNotSent, ConnectTimedOut)


class RequestsHttp:
    """Enough of `httplib2.Http` for googleapiclient: `request()` returning `(httplib2.Response, bytes)`."""

    def __init__(self, credentials: Credentials, *, read_timeout: float,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, session: AuthorizedSession | None = None) -> None:
        anonymous = isinstance(credentials, AnonymousCredentials)
        self._carries_token = not anonymous
        # Refresh once on 401 (google-auth's default is twice); anonymous credentials cannot refresh at all.
        self._session = session or AuthorizedSession(  # type: ignore[no-untyped-call]
            credentials, refresh_status_codes=() if anonymous else (401,), max_refresh_attempts=1)
        self.timeout = (connect_timeout, read_timeout)
        self.bytes_received = 0  # response body bytes, for ApiStats
        self.requests_sent = 0
        self._last_call: tuple[str | None, str, str] | None = None  # (api method, HTTP method, path): attempts
        self._attempt = 0

    def request(self, uri: str, method: str = "GET", body: bytes | str | None = None,
                headers: Mapping[str, str] | None = None, redirections: int = 5,
                connection_type: Any = None) -> tuple[httplib2.Response, bytes]:
        del redirections, connection_type  # redirects are never followed; requests picks the connection
        if self._carries_token and not uri.startswith("https://") and not is_loopback(uri):
            # The last line of `auth.guard_endpoint`: a bearer token never crosses the network readable.
            raise TransportError(f"refused to send a token over plain http to {_origin(uri)}: use https",
                                 may_have_run=False)
        send_headers = {k: v for k, v in (headers or {}).items() if k.lower() != "content-length"}
        data = body.encode("utf-8") if isinstance(body, str) else body  # requests would send str as latin-1
        self.requests_sent += 1
        call = (stats.current_method(), method, urlsplit(uri).path)
        self._attempt = self._attempt + 1 if call == self._last_call else 1
        self._last_call = call
        started = time.perf_counter()
        try:
            try:
                response = self._session.request(  # type: ignore[no-untyped-call]
                    method, uri, data=data, headers=send_headers, timeout=self.timeout, allow_redirects=False)
                content = response.content
            except requests.exceptions.ConnectTimeout as exc:
                raise ConnectTimedOut(f"could not connect to {_origin(uri)} within {self.timeout[0]:g} s") from exc
            except requests.exceptions.ReadTimeout as exc:
                raise ReadTimedOut(f"no answer from {_origin(uri)} within {self.timeout[1]:g} s") from exc
            except requests.exceptions.SSLError as exc:  # the TLS handshake failed: nothing was sent
                raise RequestNotSent(f"TLS with {_origin(uri)} failed: {_cause(exc)}") from exc
            except requests.exceptions.ConnectionError as exc:
                if _never_connected(exc):
                    raise RequestNotSent(f"could not connect to {_origin(uri)}: {_cause(exc)}") from exc
                raise ReplyLost(f"the connection to {_origin(uri)} broke: {_cause(exc)}") from exc
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                raise ReplyLost(f"the answer from {_origin(uri)} was cut off: {_cause(exc)}") from exc
            except requests.exceptions.RequestException as exc:  # bad URL and the like: not transient
                raise TransportError(f"cannot send {method} {uri}: {exc}", may_have_run=False) from exc
            except google.auth.exceptions.RefreshError as exc:
                raise refresh_error(exc) from exc
            except google.auth.exceptions.TransportError as exc:  # the token refresh could not reach Google
                raise RequestNotSent(f"could not refresh the access token: {exc}") from exc
        except BaseException as exc:
            self._log(call, started, None, 0, data, type(exc).__name__)
            raise
        self._log(call, started, response.status_code, len(content), data, None)
        self.bytes_received += len(content)
        info: dict[str, str] = {"status": str(response.status_code)}
        for key, value in response.headers.items():
            # requests already decoded the body: these no longer describe it.
            if key.lower() not in ("content-encoding", "content-length", "transfer-encoding"):
                info[key.lower()] = value
        resp = httplib2.Response(info)
        resp.reason = response.reason or ""
        return resp, content

    def _log(self, call: tuple[str | None, str, str], started: float, status: int | None, received: int,
             sent: bytes | None, error: str | None) -> None:
        """One request in the run log: never a header, a query string or a body (tokens travel in those)."""
        api, method, path = call
        stats.report_request(api=api, method=method, path=path, status=status, bytes=received,
                    bytes_sent=len(sent or b""), duration_ms=round((time.perf_counter() - started) * 1000, 1),
                    attempt=self._attempt, retries=self._attempt - 1, **({"error": error} if error else {}))

    def close(self) -> None:
        self._session.close()  # type: ignore[no-untyped-call]


def refresh_error(exc: google.auth.exceptions.RefreshError) -> Exception:
    """A failed token refresh, by the OAuth error code in Google's answer."""
    text = str(exc.args[0]) if exc.args else str(exc)
    data = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    # google-auth words it "invalid_grant: Token has been expired or revoked." and keeps the body in args[1].
    code = str(data.get("error") or text.split(":", 1)[0]).strip()
    if code == "invalid_grant":
        return AuthExpired(
            f"refreshing the access token failed ({text}): the refresh token was revoked or has expired. Create "
            "a new token. An External OAuth consent screen left in \"Testing\" kills refresh tokens after 7 days: "
            "publish the app (or make the consent screen Internal) so CI tokens stay valid.", reason=code)
    if code == "invalid_scope":
        return MissingScopes(f"refreshing the access token failed ({text}): {scopes_hint()}.", reason=code)
    if code in ("invalid_client", "unauthorized_client"):
        return CredentialsError(
            f"refreshing the access token failed ({text}): the OAuth client id/secret in the credentials file is "
            "wrong or the client was deleted. Create the token again with the Desktop OAuth client of the "
            "script's own GCP project.", reason=code)
    return AuthExpired(f"refreshing the access token failed ({text}): create a new token.", reason=code or None)


def _origin(uri: str) -> str:
    return uri.split("?", 1)[0]


def _cause(exc: BaseException) -> str:
    inner: BaseException | None = exc
    while inner is not None and inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    reason = getattr(inner, "reason", None)
    return str(reason if isinstance(reason, BaseException) else inner)


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """Connection refused / DNS failure: urllib3 never opened the connection, so nothing was sent."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, urllib3.exceptions.NewConnectionError):  # NameResolutionError is a subclass
            return True
        if isinstance(seen, urllib3.exceptions.MaxRetryError):
            seen = seen.reason
            continue
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = nested or seen.__cause__ or seen.__context__
    return False
