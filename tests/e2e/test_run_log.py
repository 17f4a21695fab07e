"""The structured run log: a real apply against the emulator writes JSON lines beside its checkpoint, with its
steps and every Google request (method, status, bytes, duration, attempt), its refusals, and no credential."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.engine.checkpoint import CheckpointStore
from tests.e2e.conftest import Cli

SECRETS = ("authorization", "bearer", "access_token", "refresh_token", "client_secret", "ya29.")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _secret_values(cli: Cli) -> list[str]:
    """The token file's own values: none of them may appear in a log."""
    creds = json.loads(Path(cli.emulator.credentials_file()).read_text(encoding="utf-8"))
    return [str(v) for k, v in creds.items() if k in ("token", "access_token", "refresh_token", "client_secret")
            and v and len(str(v)) >= 6]


def test_an_apply_logs_its_steps_and_google_calls_and_no_credential(cli: Cli, new_sheet: Callable[..., str],
                                                                      tmp_path: Path) -> None:
    sid = new_sheet(30)
    extra = tmp_path / "extra.jsonl"
    done = cli("apply", "--execute", "--yes", "--log-file", str(extra), sid=sid)
    assert done.code == 0, done.stderr[-2000:]
    store = CheckpointStore(cli.checkpoints)
    log = store.latest_log(sid)
    assert log is not None and log.parent == cli.checkpoints / sid / "logs", log
    assert log.stat().st_mode & 0o077 == 0  # the operator's data: 0600
    events = _lines(log)
    assert events[0]["event"] == "start" and "apply" in events[0]["command"]
    steps = {(e["step"], e["phase"]) for e in events if e["event"] == "step"}
    for step in ("preflight", "snapshot", "backup", "verify_backup", "apply", "verify"):
        assert (step, "begin") in steps and (step, "done") in steps, (step, sorted(steps))
    calls = [e for e in events if e["event"] == "google"]
    assert len(calls) >= 5, calls
    for call in calls:
        assert {"method", "path", "status", "bytes", "duration_ms", "attempt", "retries"} <= call.keys(), call
        assert "?" not in call["path"]
    assert any(c["api"] and c["api"].startswith("script.scripts.run:applyMigration") for c in calls), calls
    assert all(c["status"] == 200 for c in calls if c["api"] and c["api"].startswith("script")), calls
    assert any(c["bytes"] > 0 for c in calls)
    # --log-file got the same events, from the start.
    assert [e["event"] for e in _lines(extra)] == [e["event"] for e in events]
    text = (log.read_text(encoding="utf-8") + extra.read_text(encoding="utf-8")).lower()
    for secret in SECRETS:
        assert secret not in text, secret
    for value in _secret_values(cli):
        assert value.lower() not in text


def test_a_refusal_is_logged_and_verbose_mirrors_the_log_on_stderr(cli: Cli, new_sheet: Callable[..., str],
                                                                    tmp_path: Path) -> None:
    sid = new_sheet(20)
    assert cli("hold", "--reason", "month-end", sid=sid).code == 0
    held = CheckpointStore(cli.checkpoints).latest_log(sid)  # a one-call operation is a run too
    assert held is not None
    hold_events = _lines(held)
    assert any(e["event"] == "checkpoint" and e["action"] == "hold" for e in hold_events), hold_events
    assert any(e["event"] == "google" and str(e["api"]).startswith("script.scripts.run:") for e in hold_events), \
        hold_events
    extra = tmp_path / "refused.jsonl"
    refused = cli("apply", "--execute", "--yes", "-v", "--log-file", str(extra), sid=sid)
    assert refused.code != 0 and refused.doc is not None, refused.stderr[-2000:]
    events = _lines(extra)
    refusals = [e for e in events if e["event"] == "refusal"]
    assert refusals and refusals[0]["step"] == "preflight" and refusals[0]["code"], events
    log = CheckpointStore(cli.checkpoints).latest_log(sid)
    assert log is not None and any(e["event"] == "refusal" for e in _lines(log))  # kept, though no checkpoint
    assert " refusal " in refused.stderr and " google " in refused.stderr, refused.stderr[-2000:]
    json.loads(refused.stdout)  # -v writes stderr only: stdout is still the one document


def test_a_killed_run_and_its_resume_share_one_log_that_says_it_resumed(cli: Cli,
                                                                        new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(20)
    killed = cli("apply", "--execute", "--yes", sid=sid, failpoints="after:backup")
    assert killed.code != 0 and killed.doc is None  # SIGKILLed: no document
    store = CheckpointStore(cli.checkpoints)
    (flight,) = store.in_flight(sid)
    assert flight.log is not None and flight.log.exists(), flight  # `status` can name it while in flight
    before = _lines(flight.log)
    assert before[-1]["event"] != "start" and any(e["event"] == "google" for e in before)  # written as it went
    resumed = cli("apply", "--execute", "--yes", sid=sid)
    assert resumed.code == 0, resumed.stderr[-2000:]
    assert store.latest_log(sid) == flight.log
    events = _lines(flight.log)
    assert [e["event"] for e in events].count("start") == 2
    assert any(e["event"] == "checkpoint" and e["phase"] == "found" and "backup" in e["steps_done"] for e in events)
    assert any(e["event"] == "step" and e["step"] == "backup" and e["phase"] == "skip" for e in events), events
