"""What a conformance check talks to: a `Target` (REST base URLs, an authorized session, the scratch spreadsheet,
an optional deployment), the same object for Google and for the emulator.

Every request a check makes goes through `GuardedSession.request`, which refuses — before anything is sent — a
URL outside the target's host policy: for a live run only `https://` on Google's API hosts, for the emulator only
loopback. Redirects are never followed, so a reply cannot carry the token elsewhere either. The refresh token goes
only to the target's own token endpoint (Google's fixed https://oauth2.googleapis.com/token for a live run, the
emulator's `/token` on loopback otherwise): credentials naming any other are refused before use.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import requests
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import credentials as user_credentials

from orchestrator.google.auth import load_credentials_file
from orchestrator.google.errors import CredentialsError
from orchestrator.google.scopes import BRIDGE_MANIFEST_SCOPES

GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
GOOGLE_DRIVE_URL = "https://www.googleapis.com/drive/v3"
GOOGLE_SCRIPT_URL = "https://script.googleapis.com"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # google-auth's fixed endpoint for authorized users

SHEETS_TIMEOUT_S = 120.0
SCRIPT_TIMEOUT_S = 420.0  # above Apps Script's 6-minute execution limit
CONNECT_TIMEOUT_S = 10.0
QUOTA_ATTEMPTS = 6  # a 429 is waited out: 5, 10, 20, 40, 60 s (Sheets quotas refill every minute)
QUOTA_FIRST_PAUSE_S = 5.0
QUOTA_PAUSE_CAP_S = 60.0

TargetKind = Literal["google", "emulator"]


class TokenLeak(RuntimeError):
    """A request (or a target) would have sent the credentials somewhere its host policy does not allow."""


@dataclass(frozen=True)
class HostPolicy:
    """Where a session's requests (and so its token) may go."""

    name: str
    schemes: frozenset[str]
    hosts: frozenset[str]
    any_port: bool  # loopback: the emulator's port is picked at random; Google: the default port only

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            return False
        return (parts.scheme in self.schemes and parts.hostname in self.hosts and parts.username is None
                and parts.password is None and (self.any_port or port in (None, 443)))

    def require(self, url: str) -> None:
        if not self.allows(url):
            raise TokenLeak(f"refusing to send a request to {_without_query(url)}: this session's credentials may "
                            f"only go to {self.describe()}")

    def describe(self) -> str:
        return f"{'/'.join(sorted(self.schemes))}://{{{', '.join(sorted(self.hosts))}}} ({self.name})"


GOOGLE_HOSTS = HostPolicy("Google's API hosts", frozenset({"https"}),
                          frozenset({"sheets.googleapis.com", "www.googleapis.com", "script.googleapis.com"}),
                          any_port=False)
LOOPBACK_HOSTS = HostPolicy("loopback: the local emulator", frozenset({"http"}),
                            frozenset({"127.0.0.1", "localhost", "::1"}), any_port=True)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass(frozen=True)
class Reply:
    """An HTTP answer as a check sees it: the status and the parsed JSON body (None when not JSON)."""

    status: int
    body: Any
    text: str

    @classmethod
    def of(cls, response: requests.Response) -> Reply:
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        return cls(int(response.status_code), body, response.text)

    @property
    def error(self) -> Mapping[str, Any]:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error if isinstance(error, dict) else {}

    @property
    def message(self) -> str:
        return str(self.error.get("message", ""))

    def summary(self, limit: int = 300) -> str:
        """`HTTP 400 INVALID_ARGUMENT: message` (or the start of the body), for a difference line."""
        if self.error:
            said = f"{self.error.get('status', '')}: {self.message}".strip(": ")
        else:
            said = " ".join(self.text.split())
        said = said if len(said) <= limit else said[:limit] + "..."
        return f"HTTP {self.status}" + (f" {said}" if said else "")


class GuardedSession:
    """A requests session (google-auth's `AuthorizedSession` for a live run) that can only reach its policy's
    hosts. The wrapped session is private: every request goes through `request()`."""

    def __init__(self, http: requests.Session, policy: HostPolicy, *, label: str,
                 scopes: Callable[[], Sequence[str] | None] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._http = http
        self.policy = policy
        self.label = label
        self._scopes = scopes
        self._sleep = sleep

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                timeout: float = SHEETS_TIMEOUT_S) -> Reply:
        """One call. A 429 (Google's per-minute quota: the request was refused before it was processed, so
        sending it again is safe) is retried after a pause; the checks never see one."""
        self.policy.require(url)
        for attempt in range(QUOTA_ATTEMPTS):
            response = self._http.request(method, url, params=params, json=json, allow_redirects=False,
                                          timeout=(CONNECT_TIMEOUT_S, timeout))
            if response.status_code != 429 or attempt == QUOTA_ATTEMPTS - 1:
                break
            self._sleep(min(QUOTA_PAUSE_CAP_S, QUOTA_FIRST_PAUSE_S * 2 ** attempt))
        return Reply.of(response)

    def granted_scopes(self) -> Sequence[str] | None:
        """The scopes the token endpoint said it granted (after the first request), when known."""
        return self._scopes() if self._scopes else None

    def close(self) -> None:
        self._http.close()


@dataclass
class Target:
    """Google (live) or the emulator, as the checks see it. Paths are appended to the base URLs exactly as
    Google documents them (`/v4/spreadsheets/...`, `/files/...`, `/v1/scripts/...:run`)."""

    kind: TargetKind
    sheets_url: str
    drive_url: str
    script_url: str
    session: GuardedSession  # authorized: the user's token (live), the emulator's (or none) otherwise
    anonymous: GuardedSession  # no credentials at all, same host policy
    spreadsheet_id: str
    deployment_id: str | None = None
    # A session whose token carries only the given scopes; None when this target cannot make one.
    narrowed: Callable[[Sequence[str]], GuardedSession] | None = None
    manifest_scopes: tuple[str, ...] = BRIDGE_MANIFEST_SCOPES
    cleanup_problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for url in (self.sheets_url, self.drive_url, self.script_url):
            self.session.policy.require(url)
            self.anonymous.policy.require(url)

    # -- Sheets v4 ------------------------------------------------------------------------------------------
    def spreadsheet_url(self, suffix: str = "") -> str:
        return f"{self.sheets_url}/v4/spreadsheets/{quote(self.spreadsheet_id, safe='')}{suffix}"

    def get(self, params: Mapping[str, Any] | None = None, *, session: GuardedSession | None = None) -> Reply:
        return (session or self.session).request("GET", self.spreadsheet_url(), params=params)

    def values_get(self, a1: str, **params: Any) -> Reply:
        return self.session.request("GET", self.spreadsheet_url(f"/values/{quote(a1, safe='')}"), params=params)

    def values_update(self, a1: str, rows: list[list[Any]], input_option: str = "RAW") -> Reply:
        return self.session.request("PUT", self.spreadsheet_url(f"/values/{quote(a1, safe='')}"),
                                    params={"valueInputOption": input_option}, json={"values": rows})

    def batch_update(self, requests_: list[dict[str, Any]]) -> Reply:
        return self.session.request("POST", self.spreadsheet_url(":batchUpdate"), json={"requests": requests_})

    def metadata_get(self, metadata_id: int) -> Reply:
        return self.session.request("GET", self.spreadsheet_url(f"/developerMetadata/{int(metadata_id)}"))

    def metadata_search(self, data_filters: list[dict[str, Any]]) -> Reply:
        return self.session.request("POST", self.spreadsheet_url("/developerMetadata:search"),
                                    json={"dataFilters": data_filters})

    # -- Apps Script API ------------------------------------------------------------------------------------
    def script_run(self, deployment_id: str, function: str, parameters: list[Any] | None = None, *,
                   session: GuardedSession | None = None) -> Reply:
        body: dict[str, Any] = {"function": function, "devMode": False}
        if parameters is not None:
            body["parameters"] = parameters
        url = f"{self.script_url}/v1/scripts/{quote(deployment_id, safe='')}:run"
        return (session or self.session).request("POST", url, json=body, timeout=SCRIPT_TIMEOUT_S)

    def close(self) -> None:
        self.session.close()
        self.anonymous.close()


# -- building targets ------------------------------------------------------------------------------------------

def _authorized(creds: user_credentials.Credentials, policy: HostPolicy, token_ok: Callable[[str], bool],
                label: str, *, refresh_on_401: bool = True) -> GuardedSession:
    token_uri = str(creds.token_uri or "")
    if not token_ok(token_uri):
        # A refresh sends the refresh token to token_uri: only the target's own token endpoint is acceptable.
        raise TokenLeak(f"refusing credentials whose token endpoint is {token_uri!r}: for this target the token may "
                        f"only be refreshed at {'Google' if policy is GOOGLE_HOSTS else 'loopback'} "
                        f"({GOOGLE_TOKEN_URI if policy is GOOGLE_HOSTS else 'the emulator'})")
    # Refresh once on a 401 (a stored token that expired); a narrowed token is fresh, and its 401 is the answer.
    refresh_codes = (401,) if refresh_on_401 else ()
    http = AuthorizedSession(  # type: ignore[no-untyped-call]
        creds, refresh_status_codes=refresh_codes, max_refresh_attempts=1)
    return GuardedSession(http, policy, label=label, scopes=lambda: creds.granted_scopes)


def _user_target(kind: TargetKind, urls: tuple[str, str, str], creds: user_credentials.Credentials,
                 policy: HostPolicy, token_ok: Callable[[str], bool], label: str, spreadsheet_id: str,
                 deployment_id: str | None) -> Target:
    def narrowed(scopes: Sequence[str]) -> GuardedSession:
        # A refresh that asks for a subset of the consented scopes gets a token with only those (Google's token
        # endpoint does this; so does the emulator's).
        narrow = user_credentials.Credentials(  # type: ignore[no-untyped-call]
            token=None, refresh_token=creds.refresh_token, token_uri=creds.token_uri, client_id=creds.client_id,
            client_secret=creds.client_secret, scopes=list(scopes), quota_project_id=creds.quota_project_id)
        return _authorized(narrow, policy, token_ok, f"{label}, narrowed to {', '.join(scopes)}", refresh_on_401=False)

    sheets, drive, script = urls
    return Target(kind, sheets, drive, script, session=_authorized(creds, policy, token_ok, label),
                  anonymous=GuardedSession(requests.Session(), policy, label="no credentials"),
                  spreadsheet_id=spreadsheet_id, deployment_id=deployment_id, narrowed=narrowed)


def live_target(credentials_file: Path, spreadsheet_id: str, deployment_id: str | None) -> Target:
    """Google, with the user's authorized-user JSON. Loads and checks the file; sends nothing."""
    loaded = load_credentials_file(Path(credentials_file))
    if loaded.kind != "user" or not isinstance(loaded.credentials, user_credentials.Credentials):
        raise CredentialsError(
            f"the {loaded.source} holds a service account, not a user token: the live conformance run needs an "
            "authorized-user JSON (a user OAuth refresh token from the Desktop client of the script's GCP project), "
            "because scripts.run refuses service accounts and a narrower token is made by refreshing a user's.")
    return _user_target("google", (GOOGLE_SHEETS_URL, GOOGLE_DRIVE_URL, GOOGLE_SCRIPT_URL), loaded.credentials,
                        GOOGLE_HOSTS, lambda uri: uri == GOOGLE_TOKEN_URI, f"user token from {credentials_file}",
                        spreadsheet_id, deployment_id)


def emulator_target(url: str, spreadsheet_id: str, deployment_id: str | None,
                    authorized_user: Mapping[str, Any] | None = None) -> Target:
    """The local emulator at `url` (loopback only), with the authorized-user JSON it minted
    (`Emulator.authorized_user()`: its token endpoint is the emulator's `/token`); without one, no credentials."""
    base = url.rstrip("/")
    LOOPBACK_HOSTS.require(base)
    urls = (base, f"{base}/drive/v3", base)
    if authorized_user is None:
        return Target("emulator", *urls, session=GuardedSession(requests.Session(), LOOPBACK_HOSTS, label="emulator"),
                      anonymous=GuardedSession(requests.Session(), LOOPBACK_HOSTS, label="no credentials"),
                      spreadsheet_id=spreadsheet_id, deployment_id=deployment_id, narrowed=None)
    info = dict(authorized_user)
    creds = user_credentials.Credentials.from_authorized_user_info(info)  # type: ignore[no-untyped-call]
    creds = creds.with_token_uri(str(authorized_user.get("token_uri", "")))  # google-auth forces Google's endpoint
    return _user_target("emulator", urls, creds, LOOPBACK_HOSTS, LOOPBACK_HOSTS.allows, "emulator token",
                        spreadsheet_id, deployment_id)


SCRATCH_WORDS = ("scratch", "conformance")


class NotScratch(Exception):
    """The spreadsheet given is not one the suite may write to."""


def require_scratch(target: Target) -> str:
    """The spreadsheet's title, when it says it is a scratch spreadsheet; raises NotScratch otherwise.

    The suite adds and deletes sheets, columns and developer metadata in the spreadsheet it is given. A title
    with "scratch" or "conformance" in it is the operator's statement that nothing there matters — the guard
    against pointing it at production by a pasted id."""
    reply = target.get({"fields": "properties.title"})
    if reply.status != 200:
        raise NotScratch(f"cannot read spreadsheet {target.spreadsheet_id}: {reply.summary()}")
    title = str((reply.body or {}).get("properties", {}).get("title", ""))
    if not any(word in title.lower() for word in SCRATCH_WORDS):
        raise NotScratch(
            f"refusing to run on spreadsheet {target.spreadsheet_id} titled {title!r}: its title contains neither "
            f"'scratch' nor 'conformance'. The conformance suite adds and deletes sheets, columns and developer "
            f"metadata in the spreadsheet it is given, so it only runs on a scratch spreadsheet made for it (for "
            f"example one named 'zeues conformance scratch'), never on production or anything that matters.")
    return title
