"""A run SIGKILLed between any two steps (or between a bridge call and its checkpoint) resumes when rerun, and
ends exactly where an uninterrupted run ends: same cells, same tags, one backup, one change, a clean history.

The kill comes from the test-only failpoints (orchestrator/engine/failpoints.py): the process dies as under
`kill -9`, mid-run, with nothing cleaned up. Each scenario works on its own spreadsheet, so they run a few at
a time (the bridge's lock serialises their bridge calls, as it would on Google); each test then checks one.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestrator.emulator import Emulator
from tests.e2e.conftest import Cli, Result, history, observe
from tests.support.live import Live

SPOOLS = 40
# Between every pair of steps, and between each bridge call and the checkpoint that records it ("reply:"):
# there the bridge has acted and the run does not know it yet.
STEPS_APPLY = ["after:preflight", "after:snapshot", "reply:backup", "after:backup", "after:verify_backup",
               "before:apply", "reply:apply", "after:apply", "after:verify"]
STEPS_ROLLBACK = [p.replace("apply", "rollback") for p in STEPS_APPLY]
APPLY, ROLLBACK = ("apply",), ("rollback", "3.0")


@dataclass
class Outcome:
    sid: str
    killed: Result | None  # None: the uninterrupted reference run
    resumed: Result
    in_flight_after_kill: list[str]
    in_flight_after: list[str]
    finished: int
    state: dict[str, Any]
    history: list[dict[str, str]]


def _scenario(emulator: Emulator, cli: Cli, source: Path, command: tuple[str, ...], point: str | None) -> Outcome:
    sid = emulator.create_spreadsheet(source)
    killed, in_flight = None, []
    if point:
        killed = cli(*command, "--execute", "--yes", sid=sid, failpoints=point)
        in_flight = [p.name for p in (cli.checkpoints / sid).glob("*.json")]
    resumed = cli(*command, "--execute", "--yes", sid=sid)
    live = Live(emulator.url, emulator.deployment_id)  # one per thread: its HTTP client is not thread-safe
    return Outcome(sid, killed, resumed, in_flight, [p.name for p in (cli.checkpoints / sid).glob("*.json")],
                   len(list((cli.checkpoints / sid / "finished").glob("*.json"))), observe(live, sid),
                   history(live, sid))


@pytest.fixture(scope="module")
def outcomes(emulator: Emulator, workbook_file: Callable[..., Path],
             tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str | None], Outcome]:
    folder = tmp_path_factory.mktemp("resume")
    cli = Cli(emulator, folder / "checkpoints", folder)
    source = workbook_file(SPOOLS)
    # Every rollback starts from a dump of the workbook with 3.0 applied, uninterrupted.
    applied = emulator.create_spreadsheet(source)
    assert cli("apply", "--execute", "--yes", sid=applied).code == 0
    applied_file = folder / "applied.json"
    assert cli("dump", "--output", str(applied_file), sid=applied).code == 0
    jobs: list[tuple[str, str | None, Path, tuple[str, ...]]] = [
        *(("apply", p, source, APPLY) for p in [None, *STEPS_APPLY]),
        *(("rollback", p, applied_file, ROLLBACK) for p in [None, *STEPS_ROLLBACK])]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {(action, point): pool.submit(_scenario, emulator, cli, path, command, point)
                   for action, point, path, command in jobs}
        return {key: future.result() for key, future in futures.items()}


def _check(outcome: Outcome, reference: Outcome, action: str, point: str) -> dict[str, Any]:
    assert reference.resumed.code == 0, reference.resumed.stderr[-2000:]
    assert outcome.killed is not None and outcome.killed.code == -signal.SIGKILL, (point, outcome.killed)
    assert outcome.killed.doc is None
    assert outcome.in_flight_after_kill == [f"{action}-3.0.json"], "the killed run is in flight"
    assert outcome.resumed.code == 0, (point, outcome.resumed.stderr[-3000:])
    run = outcome.resumed.result["runs"][0] if action == "apply" else outcome.resumed.result
    assert run["resumed"] and run["verification"]["status"] == "passed", run
    assert outcome.in_flight_after == [] and outcome.finished == 1, "nothing left in flight"
    # Same header, cells, tags, registry and history as an uninterrupted run: columns once, one change.
    assert outcome.state == reference.state
    return dict(run)


@pytest.mark.parametrize("point", STEPS_APPLY)
def test_a_killed_apply_resumes_to_the_same_end(point: str, outcomes: dict[tuple[str, str | None], Outcome]) -> None:
    outcome = outcomes[("apply", point)]
    run = _check(outcome, outcomes[("apply", None)], "apply", point)
    assert run["status"] == "applied"
    rows = outcome.history
    assert [(r["action"], r["status"]) for r in rows] == [("backup", "done"), ("apply", "applied")]
    assert rows[0]["backup_id"] == run["backup_id"], "exactly one backup, the one the run verified"


@pytest.mark.parametrize("point", STEPS_ROLLBACK)
def test_a_killed_rollback_resumes_to_the_same_end(point: str,
                                                   outcomes: dict[tuple[str, str | None], Outcome]) -> None:
    outcome = outcomes[("rollback", point)]
    run = _check(outcome, outcomes[("rollback", None)], "rollback", point)
    assert run["status"] == "rolled_back"
    rows = outcome.history
    assert [(r["action"], r["status"]) for r in rows] == [
        ("backup", "done"), ("apply", "applied"), ("backup", "done"), ("rollback", "rolled_back")]
    assert rows[2]["backup_id"] == run["backup_id"], "exactly one backup by the rollback, the one it verified"
