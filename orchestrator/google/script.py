"""Calling the bridge through the Apps Script API's `scripts.run`, with the API-executable deployment id.

`scripts.run` is not idempotent, so nothing here retries it: not googleapiclient (`num_retries=0`), not the
transport, not this client. Safety comes from the operation id every request carries: the bridge records it,
and a repeated id returns the recorded result instead of acting twice. So after a lost reply the caller
reruns with the *same* request. The HTTP read timeout (420 s) outlasts Apps Script's 6-minute execution
limit, so a long run ends with the script's own answer (or its time-limit error), not our timeout.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from googleapiclient.errors import HttpError

from orchestrator.google.errors import (
    ApiError,
    GoogleError,
    QuotaExhausted,
    ScriptError,
    TransportError,
    connection_refused,
    endpoint_down,
    error_from_http,
    script_error,
)
from orchestrator.google.auth import is_loopback
from orchestrator.google.pacing import WindowLimiter
from orchestrator.google.stats import ApiStats
from orchestrator.google.transport import NOT_SENT_EXCEPTIONS, TRANSIENT_EXCEPTIONS, RequestsHttp

DEFAULT_SCRIPT_TIMEOUT = 420.0  # seconds: above the 6-minute (360 s) execution limit
MIN_OP_ID_LENGTH = 8  # the bridge refuses shorter ones (appsscript/Api.js)


# The Sheets reads each bridge function makes itself (Advanced Sheets service, appsscript/Api.js), which the user's
# read quota counts like ours: `run` reserves them in the shared limiter before the call. Upper bounds, not
# exact counts. Measured on the emulator's quota counter with the stock migrations at 1,000 and 10,000 spools
# (the same at both: the bridge reads whole columns or sheets per request, never in row chunks):
# backupSpreadsheet 8-9, applyMigration 18, rollbackMigration 17, restoreBackup 14, describeSchema 4, setHold 6,
# resolveFailure 6, repairHistory 7; since the bridge reads its state in 2 requests (Sheets.js loadState_), at 300
# spools: backupSpreadsheet 7, applyMigration 14, rollbackMigration 13, describeSchema 2, setHold 4
# (tests/bridge/test_read_bounds.py checks each stays within its bound). The count grows with the sheets and tagged columns a migration touches
# (one layout read per sheet, one column read per tagged column), so the changing functions get headroom
# (about a third more); a function missing here is bounded by the largest.
BRIDGE_READS: dict[str, int] = {
    "bridgeInfo": 0, "describeSchema": 6, "planMigration": 10, "backupSpreadsheet": 12, "applyMigration": 24,
    "rollbackMigration": 24, "restoreBackup": 20, "setHold": 8, "resolveFailure": 8, "repairHistory": 10,
}


def bridge_reads(function: str) -> int:
    """The reads to reserve for one call of bridge `function` (see BRIDGE_READS)."""
    return BRIDGE_READS.get(function, max(BRIDGE_READS.values()))


def new_op_id() -> str:
    """A fresh operation id: one per intended change, reused verbatim when that change is retried."""
    return uuid.uuid4().hex


# A JavaScript stack frame as it appears in an error text: "    at fn (Api.js:12:3)", "at fn (line 47)".
_STACK_LINE = re.compile(r"^\s*at\s.*(:\d+|line \d+)\)?\s*$")


def strip_stack(text: str) -> str:
    """The error text without its JavaScript stack frames: the code and the sentence are for the user; the frames
    are for whoever debugs the bridge (Apps Script → Executions keeps them)."""
    return "\n".join(line for line in text.splitlines() if not _STACK_LINE.match(line)).strip()


def _without_stack(function: str, error: dict[str, Any], op_id: str) -> ScriptError:
    """The typed error of a script error, its message free of stack lines (`scriptStackTraceElements` and frames
    inside `errorMessage`); the frames stay on the error's `stack` attribute, never in what is printed."""
    details = [dict(d) for d in error.get("details") or [] if isinstance(d, dict)]
    stack = list(details[0].get("scriptStackTraceElements") or []) if details else []
    for detail in details:
        detail.pop("scriptStackTraceElements", None)
        if isinstance(detail.get("errorMessage"), str):
            detail["errorMessage"] = strip_stack(detail["errorMessage"])
    clean = {**error, "details": details}
    if isinstance(error.get("message"), str):
        clean["message"] = strip_stack(error["message"])
    typed = script_error(function, clean, op_id)
    typed.stack = [s for s in stack if isinstance(s, dict)]
    return typed


class ScriptClient:
    def __init__(self, service: Any, http: RequestsHttp, deployment_id: str, stats: ApiStats,
                 limiter: WindowLimiter | None = None) -> None:
        self._scripts = service.scripts()  # built once: googleapiclient rebuilds it on every call
        self.http = http
        self.deployment_id = deployment_id
        self.stats = stats
        # the readers' limiter: the bridge's own reads spend the same user's quota (None: not paced)
        self.limiter = limiter or WindowLimiter(0)

    def run(self, function: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Run bridge `function(request)` once; return what it returned (`{}` when it returned nothing).

        Raises ScriptError (the function threw; `.code` holds the bridge's ZEUES_ code), ExecutionTimeout,
        and for HTTP/transport failures the errors of `orchestrator.google.errors`; a TransportError with
        `may_have_run=True` means the call may have happened: rerun it with the same request (same opId).
        """
        if not function or function.endswith("_"):
            raise ValueError(f"{function!r} is not a callable bridge function (names ending in _ are private)")
        op_id = request.get("opId")
        if not isinstance(op_id, str) or len(op_id) < MIN_OP_ID_LENGTH:
            raise ValueError(f"scripts.run {function}: the request needs an opId of at least {MIN_OP_ID_LENGTH} "
                             "characters (use new_op_id(), and reuse it when repeating the same change)")
        body = {"function": function, "parameters": [json.loads(json.dumps(dict(request)))], "devMode": False}
        counters = self.stats.method(f"script.scripts.run:{function}")
        counters.calls += 1
        counters.requests += 1
        started, before = time.perf_counter(), self.http.bytes_received
        try:
            with self.limiter.reserved(bridge_reads(function)) as waited:
                self.stats.limiter_wait_seconds += waited
                operation = self._send(function, op_id, body)
            if "error" in operation:
                raise _without_stack(function, operation["error"] or {}, op_id)
            response = operation.get("response") or {}
            result = response.get("result") if isinstance(response, dict) else None
            if result is None:  # the function returned nothing (Google then leaves `result` out)
                return {}
            if not isinstance(result, dict):
                raise ApiError(f"bridge function {function} (opId {op_id}) returned {type(result).__name__}, not "
                               "an object: the deployed bridge does not match this orchestrator; deploy the "
                               "current bridge", method="script.scripts.run")
            return result
        except GoogleError:
            counters.failures += 1
            raise
        finally:
            counters.bytes += self.http.bytes_received - before
            counters.seconds += time.perf_counter() - started

    def _send(self, function: str, op_id: str, body: dict[str, Any]) -> dict[str, Any]:
        what = f"scripts.run {function} (opId {op_id})"
        rerun = ("Rerun the same command: it repeats the call with the same opId, which returns the recorded "
                 "result if the bridge already acted, instead of acting twice.")
        call = self._scripts.run(scriptId=self.deployment_id, body=body)
        try:
            operation = call.execute(num_retries=0)
        except HttpError as exc:
            status = int(exc.resp.status)
            error = error_from_http("script", status, exc.content, method="script.scripts.run",
                                    target=self.deployment_id)
            if isinstance(error, QuotaExhausted):
                raise QuotaExhausted(f"{what}: {error.message} scripts.run is never retried automatically. "
                                     + rerun, status=status, reason=error.reason, method=error.method) from exc
            if isinstance(error, TransportError):
                raise TransportError(f"{what}: Google answered {status}: the bridge may or may not have run. "
                                     + rerun, may_have_run=True, status=status, reason=error.reason,
                                     method=error.method) from exc
            raise error from exc
        except NOT_SENT_EXCEPTIONS as exc:
            uri = str(getattr(call, "uri", "") or "")
            if is_loopback(uri) and connection_refused(exc):  # the emulator is not running: say how to start it
                raise endpoint_down(what, uri) from exc
            raise TransportError(f"{what} was not sent: {exc}. Nothing ran; check the network or the endpoint "
                                 "and rerun.", may_have_run=False, method="script.scripts.run") from exc
        except TRANSIENT_EXCEPTIONS as exc:
            raise TransportError(f"{what}: {exc}; the bridge may or may not have run. " + rerun,
                                 may_have_run=True, method="script.scripts.run") from exc
        if not isinstance(operation, dict):
            raise ApiError(f"{what}: the answer is not an Operation object: {str(operation)[:200]}",
                           method="script.scripts.run")
        return operation
