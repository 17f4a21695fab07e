"""Every error class maps to its documented exit code (orchestrator/exit_codes.py), in `classify` and through the
real CLI with Google's answers mocked at the HTTP level."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import requests
import responses

from orchestrator.cli.common import Failure, classify
from orchestrator.config import ConfigError, ConfigInvalid
from orchestrator.emulator import EmulatorError
from orchestrator.engine.checkpoint import CheckpointError
from orchestrator.engine.findings import Finding, Refused
from orchestrator.engine.private_files import LocalIOError
from orchestrator.engine.runs import RunReport, VerificationFailed
from orchestrator.engine.state import StateError
from orchestrator.engine.verify import Check, VerifyReport
from orchestrator.exit_codes import DESCRIPTIONS, ExitCode
from orchestrator.google.errors import (
    ApiError,
    AuthExpired,
    CredentialsError,
    DeploymentNotFound,
    GridChanged,
    MissingScopes,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    ServiceAccountNotAllowed,
    TransportError,
    script_error,
)
from orchestrator.migrations import MigrationSpecError
from tests.unit.cli.conftest import BATCH_GET, GET, RUN, SID, Invoke, google_error, live_state
from tests.unit.cli.conftest import script_error as script_error_body


def _refused(code: str) -> Refused:
    return Refused([Finding(level="error", code=code, message=f"{code} found")])


def _script(message: str) -> Exception:
    return script_error("applyMigration", {"details": [{"errorMessage": message, "errorType": "ScriptError"}]}, "op1")


def _failed_verification() -> VerificationFailed:
    report = RunReport(action="apply", status="applied", migration_id="3.0", spreadsheet_id=SID,
                       verification=VerifyReport(status="failed", checks=[Check(name="tags", ok=False)]))
    return VerificationFailed(report)


CASES: list[tuple[BaseException, ExitCode, str]] = [
    (Failure(ExitCode.PENDING, "1 pending"), ExitCode.PENDING, "PENDING"),
    (Failure(ExitCode.USAGE, "no terminal"), ExitCode.USAGE, "USAGE"),
    (Failure(ExitCode.VIOLATIONS, "8 cells break their column contracts"), ExitCode.VIOLATIONS, "VIOLATIONS"),
    (ConfigError("missing"), ExitCode.USAGE, "ConfigError"),
    (ConfigInvalid("read_timeout: inf"), ExitCode.USAGE, "CONFIG_INVALID"),
    (LocalIOError("/x/ck.json", OSError(errno.ENOSPC, "No space left on device")), ExitCode.LOCAL_IO, "LOCAL_IO"),
    (PermissionError(errno.EACCES, "Permission denied", "/x"), ExitCode.LOCAL_IO, "LOCAL_IO"),
    (CredentialsError("bad file"), ExitCode.USAGE, "CredentialsError"),
    (ServiceAccountNotAllowed("no"), ExitCode.USAGE, "ServiceAccountNotAllowed"),
    (DeploymentNotFound("404"), ExitCode.USAGE, "DeploymentNotFound"),
    (PermissionDenied("403", kind="wrong_project"), ExitCode.USAGE, "PermissionDenied"),
    (MissingScopes("scopes"), ExitCode.USAGE, "MissingScopes"),
    (AuthExpired("401"), ExitCode.USAGE, "AuthExpired"),
    (NotFound("404"), ExitCode.USAGE, "NotFound"),
    (MigrationSpecError("bad spec"), ExitCode.USAGE, "MigrationSpecError"),
    (EmulatorError("node is not on PATH"), ExitCode.USAGE, "EmulatorError"),
    (_script("Error: ZEUES_LOCK_BUSY: another run"), ExitCode.LOCK_BUSY, "LOCK_BUSY"),
    (_refused("DRIFT"), ExitCode.REFUSED, "DRIFT"),
    (_refused("STALE_BRIDGE"), ExitCode.REFUSED, "STALE_BRIDGE"),
    (_script("Error: ZEUES_DRIFT: the header changed"), ExitCode.REFUSED, "DRIFT"),
    (_script("Error: ZEUES_HOLD: paused"), ExitCode.REFUSED, "HOLD"),
    (_script("Error: ZEUES_IS_BACKUP: spreadsheet 1b is a ZEUES backup of \"X\" (1a)"), ExitCode.REFUSED, "IS_BACKUP"),
    (_refused("BLOCKED"), ExitCode.NEEDS_ATTENTION, "BLOCKED"),
    (_script("Error: ZEUES_BLOCKED: a failed run"), ExitCode.NEEDS_ATTENTION, "BLOCKED"),
    (CheckpointError("corrupted"), ExitCode.NEEDS_ATTENTION, "NEEDS_ATTENTION"),
    (StateError("history edited"), ExitCode.NEEDS_ATTENTION, "NEEDS_ATTENTION"),
    (_failed_verification(), ExitCode.VERIFY_FAILED, "VERIFY_FAILED"),
    (_script("TypeError: x is undefined"), ExitCode.SCRIPT_ERROR, "SCRIPT_ERROR"),
    (_script("Error: ZEUES_FAILED: the batchUpdate failed"), ExitCode.SCRIPT_ERROR, "FAILED"),
    (_script("Exceeded maximum execution time"), ExitCode.SCRIPT_ERROR, "EXECUTION_TIMEOUT"),
    (TransportError("reset", may_have_run=True), ExitCode.GOOGLE_UNAVAILABLE, "TransportError"),
    (QuotaExhausted("429"), ExitCode.GOOGLE_UNAVAILABLE, "QuotaExhausted"),
    (ApiError("400 bad range"), ExitCode.GOOGLE_UNAVAILABLE, "ApiError"),
    (GridChanged("Google answered 400", sheet="Operaciones", expected=(401, 65), found=(150, 63)),
     ExitCode.GRID_CHANGED, "GRID_CHANGED"),
    (RuntimeError("a bug"), ExitCode.INTERNAL, "RuntimeError"),
    (KeyboardInterrupt(), ExitCode.INTERRUPTED, "INTERRUPTED"),
]


@pytest.mark.parametrize(("exc", "code", "machine"), CASES, ids=[f"{type(c[0]).__name__}-{c[2]}" for c in CASES])
def test_classify_maps_each_error_class_to_its_exit_code(exc: BaseException, code: ExitCode, machine: str) -> None:
    got_code, got_machine, message = classify(exc)
    assert (got_code, got_machine) == (code, machine)
    assert message


def test_every_documented_exit_code_is_reachable() -> None:
    assert {c for _, c, _ in CASES} | {ExitCode.OK} == set(ExitCode) == set(DESCRIPTIONS)


# -- through the CLI, from Google's HTTP answers ---------------------------------------------------------------

def test_a_missing_spreadsheet_exits_2(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("GET", GET, status=404, json=google_error(404, "Requested entity was not found."))
    out = invoke("status", "--json")
    assert out.code == ExitCode.USAGE and out.doc["error"]["code"] == "NotFound"


def test_quota_exhausted_exits_9(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("GET", GET, status=429, json=google_error(429, "Quota exceeded", "rateLimitExceeded"))
    out = invoke("status", "--json")
    assert out.code == ExitCode.GOOGLE_UNAVAILABLE and out.doc["error"]["code"] == "QuotaExhausted"


def test_an_unreachable_google_exits_9(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("GET", GET, body=requests.exceptions.ConnectionError("refused"))
    out = invoke("status", "--json")
    assert out.code == ExitCode.GOOGLE_UNAVAILABLE and out.doc["error"]["code"] == "TransportError"


def test_a_sheet_renamed_while_it_is_read_exits_10(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    def meta(title: str) -> dict[str, object]:
        return {"spreadsheetId": SID, "properties": {"title": "ZEUES"}, "sheets": [{"properties": {
            "sheetId": 0, "title": title, "index": 0, "gridProperties": {"rowCount": 10, "columnCount": 3}}}]}

    mocked.add("GET", GET, json=meta("Operaciones"))
    mocked.add("GET", GET, status=400, json=google_error(400, "Unable to parse range: 'Operaciones'!1:4"))
    mocked.add("GET", GET, json=meta("Operaciones (old)"))  # the grid re-read that confirms the change
    out = invoke("status", "--json")
    assert out.code == ExitCode.GRID_CHANGED and out.doc["error"]["code"] == "GRID_CHANGED", out.stdout
    assert "'Operaciones' changed while it was being read" in out.doc["error"]["message"]
    assert len(mocked.calls) == 3  # the refused read is not retried


@pytest.mark.parametrize(("message", "code"), [
    ("Error: ZEUES_LOCK_BUSY: another migration run holds the lock", ExitCode.LOCK_BUSY),
    ("Error: ZEUES_HOLD: paused by ana", ExitCode.REFUSED),
    ("Error: ZEUES_BLOCKED: an earlier apply failed", ExitCode.NEEDS_ATTENTION),
    ("TypeError: Cannot read properties of undefined", ExitCode.SCRIPT_ERROR),
])
def test_bridge_errors_in_a_200_answer_exit_with_their_code(mocked: responses.RequestsMock, invoke: Invoke,
                                                            message: str, code: ExitCode) -> None:
    mocked.add("POST", RUN, json=script_error_body(message))
    out = invoke("hold", "--reason", "audit", "--json")
    assert out.code == code, out.stdout
    assert out.doc["error"]["message"] and not out.doc["ok"]
    assert len(mocked.calls) == 1, "scripts.run is never retried"


def test_a_wrong_deployment_id_exits_2(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    mocked.add("POST", RUN, status=404, json=google_error(404, "Requested entity was not found."))
    out = invoke("hold", "--json")
    assert out.code == ExitCode.USAGE and out.doc["error"]["code"] == "DeploymentNotFound"


def test_missing_configuration_exits_2(invoke: Invoke) -> None:
    out = invoke("status", "--json", connect=False)
    assert out.code == ExitCode.USAGE and out.doc["error"]["code"] == "ConfigError"
    assert "--spreadsheet-id" in out.doc["error"]["message"]


def test_a_failed_structural_verification_exits_6(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    from orchestrator.migrations import load_migrations

    v30 = next(m for m in load_migrations() if m.id == "3.0")
    # The history says 3.0 is applied, but the sheet has none of its columns, tags or event types.
    live_state(mocked, history=[["3.0", v30.checksum, "apply", "applied", "t0", "t1", "me", "b1", "op1", "{}"]])
    mocked.add("GET", BATCH_GET, json={"valueRanges": [{"values": []}]})  # the column contracts' read: no rows
    out = invoke("verify", "--json")
    assert out.code == ExitCode.VERIFY_FAILED
    assert out.doc["result"]["status"] == "failed" and out.doc["error"]["code"] == "VERIFY_FAILED"


def test_a_corrupted_checkpoint_exits_5(mocked: responses.RequestsMock, invoke: Invoke, tmp_path: Path) -> None:
    live_state(mocked)
    broken = tmp_path / "ck" / SID / "apply-3.0.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json")
    out = invoke("apply", "--execute", "--yes", "--json")
    assert out.code == ExitCode.NEEDS_ATTENTION, out.stdout
    assert str(broken) in out.doc["error"]["message"]
    assert not [c for c in mocked.calls if c.request.method == "POST" and ":run" in c.request.url]


def test_status_check_exits_8_with_pending_migrations(mocked: responses.RequestsMock, invoke: Invoke) -> None:
    live_state(mocked)
    out = invoke("status", "--check", "--json")
    assert out.code == ExitCode.PENDING
    assert out.doc["ok"] is True and out.doc["error"] is None and out.doc["result"]["pending"] == ["3.0"]
    text = invoke("status", "--check")
    assert text.code == ExitCode.PENDING and "1 migration(s) pending" in text.stdout
