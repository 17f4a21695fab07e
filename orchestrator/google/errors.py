"""Typed errors for every way a Google call fails, each saying what is wrong and what fixes it.

The texts Google puts in error bodies decide the mapping (checked against Google's docs and public issues):
- `scripts.run` reports a script failure as HTTP 200 with `error.details[0]` an `ExecutionError`
  (`errorMessage`, `errorType`, `scriptStackTraceElements`); only auth, configuration and transport failures
  are 4xx/5xx.
- 403 "The caller does not have permission" on `scripts.run` means the OAuth client's GCP project is not the
  script's own project (or the caller may not run the deployment); "User has not enabled the Apps Script API"
  is the per-user switch at script.google.com/home/usersettings; "... API has not been used in project N
  before or it is disabled" (reason `SERVICE_DISABLED` / `accessNotConfigured`) is the API switch of the GCP
  project; "Request had insufficient authentication scopes" (`ACCESS_TOKEN_SCOPE_INSUFFICIENT` /
  `insufficientPermissions`) is a token without the scopes.
- 403 with reason `rateLimitExceeded` / `userRateLimitExceeded`, and 429, are quota: reads retry them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Literal
from urllib.parse import urlsplit

from orchestrator.contract.errors import BRIDGE_PREFIX, ErrorCode
from orchestrator.google.scopes import REQUIRED_SCOPES

Api = Literal["sheets", "drive", "script"]
PermissionKind = Literal["wrong_project", "user_api_setting", "api_disabled", "no_access"]

# A code the bridge throws as `ZEUES_<CODE>: message` (orchestrator/contract/errors.py). Any code is read, not
# only the known ones: a newer bridge's code still reaches the operator.
_BRIDGE_CODE = re.compile(r"\b" + re.escape(BRIDGE_PREFIX) + r"([A-Z][A-Z0-9_]*):\s*(.*)", re.DOTALL)
EXECUTION_TIME_LIMIT_MESSAGE = "Exceeded maximum execution time"
SCRIPT_FUNCTION_NOT_FOUND = "Script function not found"
# What Google answers a call that carries no token: 401 on scripts.run, 403 on the Sheets and Drive APIs.
NO_TOKEN_TEXTS = ("missing required authentication credential", "missing a valid api key")
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})

SCOPES_HINT = (
    "create the token again with every scope zeues-migrate needs ({scopes}): "
    "`zeues-migrate login --client-secrets CLIENT_SECRET.json --force`, with the Desktop OAuth client of the "
    "script's own GCP project"
)


class GoogleError(Exception):
    """Base of every error the Google clients raise. `str()` is the whole message: what and how to fix."""

    def __init__(self, message: str, *, status: int | None = None, reason: str | None = None,
                 method: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status  # HTTP status, when there was one
        self.reason = reason  # Google's machine-readable reason, when there was one
        self.method = method  # the API method, e.g. sheets.spreadsheets.values.batchGet


class CredentialsError(GoogleError):
    """The credentials cannot be loaded or are of a kind that cannot do the job."""


class ServiceAccountNotAllowed(CredentialsError):
    """Service-account credentials were given for `scripts.run`, which Google does not allow."""


class AuthExpired(GoogleError):
    """The token was rejected (401) or its refresh failed (`invalid_grant`): it is expired or revoked."""


class MissingScopes(GoogleError):
    """The token lacks a scope the call needs (403 insufficient scopes, or `invalid_scope` on refresh)."""


class PermissionDenied(GoogleError):
    """403 that is not quota and not scopes. `kind` says which cause Google's text points to."""

    def __init__(self, message: str, *, kind: PermissionKind, status: int | None = 403, reason: str | None = None,
                 method: str | None = None) -> None:
        super().__init__(message, status=status, reason=reason, method=method)
        self.kind = kind


class DeploymentNotFound(GoogleError):
    """404 from `scripts.run`: no API-executable deployment with that id."""


class NotFound(GoogleError):
    """404 from Sheets or Drive: the spreadsheet or file does not exist or this account cannot see it."""


class QuotaExhausted(GoogleError):
    """429 (or a rate-limit 403) that retries did not outlast."""


class TransportError(GoogleError):
    """The request failed on the way: connection, timeout, 5xx, or an answer that is not what Google sends.

    `may_have_run` is True when the server may have received and acted on the request (the reply was lost,
    timed out or was a 5xx): for `scripts.run` that means the bridge call may have happened, and repeating it
    with the same opId returns its recorded result instead of acting twice.
    """

    def __init__(self, message: str, *, may_have_run: bool, status: int | None = None, reason: str | None = None,
                 method: str | None = None) -> None:
        super().__init__(message, status=status, reason=reason, method=method)
        self.may_have_run = may_have_run


# How to start the emulator again on its data (docs/operator.md part 1), for an endpoint on this machine that
# refuses connections.
EMULATOR_START = "python -m orchestrator.emulator --data emulator-data"


def connection_refused(exc: BaseException) -> bool:
    """A refused TCP connection among the exception's causes: nothing listens on that port."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, ConnectionRefusedError):
            return True
        # requests and urllib3 keep the cause in args or `reason` as often as in __cause__.
        todo += [e for e in (error.__cause__, error.__context__, getattr(error, "reason", None), *error.args)
                 if isinstance(e, BaseException)]
    return False


def endpoint_down(method: str, uri: str) -> TransportError:
    """A connection to an endpoint on this machine was refused: the emulator is not running there."""
    parts = urlsplit(uri)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else uri
    return TransportError(
        f"{method}: nothing is listening at {origin} (connection refused): the emulator is not running there. Start "
        f"it (`{EMULATOR_START}`, with `--load FILE` the first time; docs/operator.md part 1) and export the "
        "ZEUES_GOOGLE_ENDPOINT it prints: its port changes at every start unless you give `--port`. Nothing was "
        "sent.", may_have_run=False, method=method)


class ApiError(GoogleError):
    """Any other rejection (400 bad range, 409, ...): Google's own message is the explanation."""


GridSize = tuple[int, int]  # (rows, columns) of a sheet's grid


class GridChanged(GoogleError):
    """A read was refused (400) because a sheet's grid is no longer the one the tool measured before it read:
    someone deleted rows or columns (or the sheet itself) while the tool was reading it.

    Raised only once a fresh read of the grid confirmed the change (`SheetsReader`), never on the 400 alone.
    `found` is None when the sheet is gone (deleted or renamed).
    """

    def __init__(self, google_said: str, *, sheet: str, expected: GridSize, found: GridSize | None,
                 status: int | None = 400, reason: str | None = None, method: str | None = None) -> None:
        now = (f"is now {_grid_text(found)}" if found is not None
               else "is gone (the sheet was deleted or renamed)")
        super().__init__(
            f"{google_said.rstrip('.')}. The structure of sheet {sheet!r} changed while it was being read: its grid "
            f"was {_grid_text(expected)} when the read started and {now} — someone deleted rows or columns "
            "meanwhile. The read changed nothing. Once the edit is finished, rerun the same command: it reads the "
            "new structure again and resumes (an apply or rollback keeps its checkpoint and redoes only the step "
            "that was interrupted; a backup or a change already made is not repeated).",
            status=status, reason=reason, method=method)
        self.sheet = sheet
        self.expected = expected
        self.found = found


def _grid_text(grid: GridSize) -> str:
    return f"{grid[0]:,} rows × {grid[1]:,} columns"


class ScriptError(GoogleError):
    """The bridge function threw: an `ExecutionError` in an HTTP 200 `scripts.run` answer.

    `code` is the bridge's stable code (`LOCK_BUSY`, from `ZEUES_LOCK_BUSY: ...`) or None for anything the
    bridge did not throw on purpose (a bug, an Apps Script service error).
    """

    def __init__(self, message: str, *, function: str, error_message: str, error_type: str,
                 stack: Sequence[dict[str, Any]], code: str | None, bridge_message: str | None,
                 op_id: str | None) -> None:
        super().__init__(message, status=200, reason=error_type, method="script.scripts.run")
        self.function = function
        self.error_message = error_message
        self.error_type = error_type
        self.stack = list(stack)
        self.code = code
        self.bridge_message = bridge_message  # the text after `ZEUES_<CODE>: `
        self.op_id = op_id

    @property
    def known_code(self) -> ErrorCode | None:
        """The contract's member for `code`; None when the bridge threw nothing on purpose or a code this tool
        does not know."""
        return ErrorCode.of(self.code)


class ExecutionTimeout(ScriptError):
    """Apps Script stopped the function at its 6-minute execution limit."""


# --- parsing Google's error bodies ---------------------------------------------------------------------------


class ErrorBody:
    """The parts of a Google JSON error body (`{"error": {code, message, status, errors[], details[]}}`)."""

    def __init__(self, content: bytes | str | None) -> None:
        self.message = ""
        self.status = ""
        self.reasons: list[str] = []  # errors[].reason and details[ErrorInfo].reason
        self.execution_error = ""  # details[ExecutionError].errorMessage
        self.raw = content.decode("utf-8", "replace") if isinstance(content, bytes) else (content or "")
        try:
            data = json.loads(self.raw) if self.raw else None
        except ValueError:
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            self.message = str(error.get("message") or "")
            self.status = str(error.get("status") or "")
            for item in error.get("errors") or []:
                if isinstance(item, dict) and item.get("reason"):
                    self.reasons.append(str(item["reason"]))
            for item in error.get("details") or []:
                if isinstance(item, dict) and item.get("reason"):
                    self.reasons.append(str(item["reason"]))
                if isinstance(item, dict) and item.get("errorMessage"):  # scripts.run's ExecutionError on a 401
                    self.execution_error = str(item["errorMessage"])
        elif isinstance(error, str):  # OAuth-style {"error": "invalid_grant", ...}
            self.reasons.append(error)
        if not self.message:
            self.message = self.raw.strip()[:300]

    def has_reason(self, *reasons: str) -> bool:
        return any(r in self.reasons for r in reasons)

    @property
    def reason(self) -> str | None:
        return self.reasons[0] if self.reasons else (self.status or None)


def is_rate_limited(status: int, body: ErrorBody) -> bool:
    return status == 429 or (status == 403 and body.has_reason(*RATE_LIMIT_REASONS))


def is_retryable_status(status: int, body: ErrorBody) -> bool:
    """What a read may retry: 5xx, 429 and a rate-limit 403 (the set googleapiclient also retries)."""
    return status >= 500 or is_rate_limited(status, body)


def scopes_hint() -> str:
    return SCOPES_HINT.format(scopes=", ".join(REQUIRED_SCOPES))


def error_from_http(api: Api, status: int, content: bytes | str | None, *, method: str, target: str) -> GoogleError:
    """The typed error for a non-2xx answer. `target` names what was asked for (a spreadsheet or deployment id)."""
    body = ErrorBody(content)
    said = f"Google answered {status} to {method}: {body.message.rstrip('.') or '(no message)'}"
    kw: dict[str, Any] = {"status": status, "reason": body.reason, "method": method}
    if status == 401 and api == "script" and "authorization is required" in body.execution_error.lower():
        return MissingScopes(
            f"{said}: {body.execution_error} scripts.run needs a token holding every scope the bridge's manifest "
            f"(appsscript.json) declares, not only the ones the called function uses: {scopes_hint()}.", **kw)
    if status in (401, 403) and any(text in body.message.lower() for text in NO_TOKEN_TEXTS):
        return CredentialsError(
            f"{said}. No OAuth token was sent (anonymous credentials), and Google (or the emulator) refuses every "
            "call without one. Give --credentials (or ZEUES_CREDENTIALS) an authorized-user file; against the "
            "emulator, `python -m orchestrator.emulator` prints one.", **kw)
    if status == 401:
        return AuthExpired(
            f"{said}. The access token was refused even after a refresh: the refresh token was revoked or has "
            "expired. Create a new token (an External OAuth consent screen left in \"Testing\" kills refresh "
            "tokens after 7 days: publish the app, or make the consent screen Internal).", **kw)
    if status == 403:
        return _forbidden(api, said, body, target, kw)
    if status == 404:
        if api == "script":
            return DeploymentNotFound(_deployment_not_found(said, target), **kw)
        what = "spreadsheet" if api == "sheets" else "Drive file"
        return NotFound(
            f"{said}. No {what} {target!r} is visible to this account: check the id"
            f"{' given with --spreadsheet-id (or ZEUES_SPREADSHEET_ID)' if api == 'sheets' else ''} (the long part "
            f"of the sheet's URL between /d/ and /edit) and that the {what} is shared with the account of the token.",
            **kw)
    if is_rate_limited(status, body):
        return QuotaExhausted(
            f"{said}. The request quota is used up (Sheets: 60 reads per minute per user, 300 per project). "
            "Wait a minute and rerun; lower `reads_per_minute` if other tools read with the same account.", **kw)
    if status >= 500:
        return TransportError(f"{said}. Google had a server-side failure; rerun in a few minutes.",
                              may_have_run=True, **kw)
    return ApiError(f"{said}.", **kw)


def _deployment_not_found(said: str, deployment_id: str) -> str:
    looks_wrong = "" if deployment_id.startswith("AKfycb") else (
        f" {deployment_id!r} does not look like a deployment id (they start with AKfycb): it is probably the "
        "script id.")
    return (
        f"{said}. No API-executable deployment {deployment_id!r}.{looks_wrong} Give --deployment-id (or "
        "ZEUES_DEPLOYMENT_ID) the id of the bridge's API-executable deployment (Apps Script editor → Deploy → "
        "Manage deployments, or `clasp deployments`; it starts with AKfycb), not the script id, and check the "
        "deployment is of type \"API executable\".")


def _forbidden(api: Api, said: str, body: ErrorBody, target: str, kw: dict[str, Any]) -> GoogleError:
    text = body.message.lower()
    if is_rate_limited(403, body):
        return QuotaExhausted(f"{said}. The request rate limit is exceeded; wait a minute and rerun.", **kw)
    if (body.has_reason("ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions")
            or "insufficient authentication scopes" in text):
        needs = ("scripts.run needs every scope the bridge's manifest (appsscript.json) declares, not only the "
                 "ones the called function uses" if api == "script" else "The token lacks a scope this call needs")
        return MissingScopes(f"{said}. {needs}: {scopes_hint()}.", **kw)
    if "user has not enabled the apps script api" in text:
        return PermissionDenied(
            f"{said}. Turn on \"Google Apps Script API\" for this Google account at "
            "https://script.google.com/home/usersettings, wait a few minutes, then rerun.",
            kind="user_api_setting", **kw)
    if body.has_reason("SERVICE_DISABLED", "accessNotConfigured") or "has not been used in project" in text:
        service = {"script": "Apps Script API", "sheets": "Google Sheets API", "drive": "Google Drive API"}[api]
        return PermissionDenied(
            f"{said}. The {service} is not enabled in the GCP project of the OAuth client: enable it in that "
            "project (APIs & Services → Library, or the link in Google's message), wait a few minutes, rerun.",
            kind="api_disabled", **kw)
    if api == "script":
        return PermissionDenied(
            f"{said}. scripts.run refuses this caller for deployment {target!r}. Either the OAuth client of the "
            "token is not in the script's own GCP project (Apps Script editor → Project settings → Google Cloud "
            "Platform project: it must be a standard project, the same one that holds the Desktop OAuth client), "
            "or the deployment only lets its owner run it (executionApi.access MYSELF): use a token of the "
            "script owner's account.", kind="wrong_project", **kw)
    what = "spreadsheet" if api == "sheets" else "Drive file"
    return PermissionDenied(
        f"{said}. The account of the token cannot access {what} {target!r}: share it with that account "
        "(Editor for the live sheet), or use a token of an account that has access.", kind="no_access", **kw)


def parse_bridge_code(error_message: str) -> tuple[str | None, str | None]:
    """`Error: ZEUES_LOCK_BUSY: the lock ...` -> ("LOCK_BUSY", "the lock ..."); anything else -> (None, None)."""
    match = _BRIDGE_CODE.search(error_message)
    if not match:
        return None, None
    return match.group(1), match.group(2).strip()


def script_error(function: str, error: dict[str, Any], op_id: str | None) -> ScriptError:
    """The typed error for the `error` of a `scripts.run` Operation (an HTTP 200 answer)."""
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    detail = details[0] if details else {}
    error_message = str(detail.get("errorMessage") or error.get("message") or "unknown script error")
    error_type = str(detail.get("errorType") or error.get("message") or "ScriptError")
    stack = [s for s in detail.get("scriptStackTraceElements") or [] if isinstance(s, dict)]
    code, bridge_message = parse_bridge_code(error_message)
    where = "".join(f"\n    at {s.get('function') or '(anonymous)'} (line {s.get('lineNumber', '?')})" for s in stack)
    op = f" (opId {op_id})" if op_id else ""
    kw: dict[str, Any] = {"function": function, "error_message": error_message, "error_type": error_type,
                          "stack": stack, "code": code, "bridge_message": bridge_message, "op_id": op_id}
    if EXECUTION_TIME_LIMIT_MESSAGE.lower() in error_message.lower():
        return ExecutionTimeout(
            f"bridge function {function}{op}: Apps Script stopped it at its 6-minute execution limit "
            f"({error_message}). The bridge applies each change in one all-or-nothing batchUpdate; rerun the "
            "command: it re-reads the live state and resumes (the same opId returns the recorded result if the "
            f"change went through).{where}", **kw)
    if code is not None:
        return ScriptError(f"bridge function {function}{op} refused: ZEUES_{code}: {bridge_message}{where}", **kw)
    if SCRIPT_FUNCTION_NOT_FOUND.lower() in error_message.lower():
        return ScriptError(
            f"bridge function {function}{op}: {error_message}. The deployed version does not have this "
            "function: push the current bridge (`clasp push --force`) and update the deployment "
            f"(`clasp update-deployment <id>`).{where}", **kw)
    return ScriptError(
        f"bridge function {function}{op} failed unexpectedly: {error_type}: {error_message}. This is not a "
        "refusal the bridge makes on purpose: see the execution in the Apps Script editor → Executions, and "
        f"report it with this stack.{where}", **kw)
