"""Hostile run state: the header drifting between a run's plan and its apply, checkpoint files that are corrupted
or belong to another run, a history sheet edited by hand, and a migration file changed after it was applied.
Each is refused with its documented exit code and a message naming the fix, and the workbook is left as it was."""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from orchestrator.cli.common import Session, classify
from orchestrator.config import load_config
from orchestrator.emulator import Emulator
from orchestrator.engine import operations
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.runs import Target, apply_migration
from orchestrator.engine.state import HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.exit_codes import ExitCode
from orchestrator.google import GoogleClients
from orchestrator.google.errors import ScriptError
from orchestrator.migrations import MIGRATIONS_DIR, bridge_payload, load_baseline, load_migrations
from tests.hostile.conftest import Fingerprint, refused
from tests.support.cli import Cli
from tests.support.live import BridgeError, Live, op_id

FIXTURES = Path(__file__).resolve().parents[1] / "bridge" / "fixtures"
HUMAN_COLUMN = "Comentario_Humano"


def insert_column(live: Live, sid: str, index: int, name: str) -> None:
    """What a human does in the Sheets UI: insert a column in the middle of Operaciones and name it."""
    sheet_id = live.sheet_id(sid, "Operaciones")
    live.batch_update(sid, [
        {"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": index,
                                       "endIndex": index + 1}, "inheritFromBefore": False}},
        {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": index},
                         "fields": "userEnteredValue", "rows": [{"values": [{"userEnteredValue": {"stringValue": name}}]}]}},
    ])


@contextmanager
def engine_session(emulator: Emulator, sid: str, checkpoints: Path) -> Iterator[Session]:
    """The objects `zeues-migrate apply` builds from its flags, in this process (no subprocess)."""
    config = load_config({"endpoint": emulator.url, "deployment_id": emulator.deployment_id, "spreadsheet_id": sid,
                          "credentials": str(emulator.credentials_file()),
                          "checkpoint_dir": str(checkpoints), "reads_per_minute": 0, "script_timeout": 400.0},
                         {}, checkpoints.parent)
    with GoogleClients.from_config(config) as clients:
        yield Session(config, clients)


# -- header drift ---------------------------------------------------------------------------------------------


def test_header_drift_after_the_snapshot_of_a_killed_run(cli: Cli, live: Live, observe: Fingerprint,
                                                         new_sheet: Callable[..., str]) -> None:
    """The run is killed after its snapshot; a human inserts a column; the rerun must not apply what was planned
    for the old header."""
    sid = new_sheet()
    killed = cli("apply", "--execute", "--yes", sid=sid, failpoints="after:snapshot")
    assert killed.code == -signal.SIGKILL, (killed.code, killed.stderr[-2000:])
    insert_column(live, sid, 10, HUMAN_COLUMN)
    before = observe(sid)
    rerun = cli("apply", "--execute", "--yes", sid=sid)
    refused(rerun, ExitCode.REFUSED, "DRIFT", "header of Operaciones changed since this run's snapshot",
            "nothing was applied", "--discard-checkpoint")
    assert observe(sid) == before  # nothing applied, no backup made
    # The fix the message names works: a fresh run plans for the header as it is now.
    fresh = cli("apply", "--execute", "--yes", "--discard-checkpoint", sid=sid)
    assert fresh.code == 0, fresh.doc
    header = live.header(sid, "Operaciones")
    assert header[10] == HUMAN_COLUMN and header[-3:] == ["Ocupado_Por", "Fecha_Ocupacion", "version"]


def test_header_drift_reaches_the_bridge(emulator: Emulator, live: Live, observe: Fingerprint,
                                         new_sheet: Callable[..., str], tmp_path: Path) -> None:
    """The column is inserted after the run's own checks, just before the apply call: the bridge compares the
    header with the one the run planned for (expectedHeaders) and refuses, naming what moved."""
    sid = new_sheet()
    checkpoints = tmp_path / "checkpoints"
    with engine_session(emulator, sid, checkpoints) as session:
        target = session.target(quiet=True)
        script = target.clients.script
        real_run = script.run
        seen: dict[str, Any] = {}

        def run(function: str, request: Mapping[str, Any]) -> dict[str, Any]:
            if function == "applyMigration":
                insert_column(live, sid, 3, HUMAN_COLUMN)
                seen["before"] = observe(sid)
            return real_run(function, request)

        script.run = run  # type: ignore[method-assign]
        migration = next(m for m in load_migrations() if m.id == "3.0")
        with pytest.raises(ScriptError) as info:
            apply_migration(target, migration, load_baseline(), load_migrations())
    exit_code, code, message = classify(info.value)
    assert (exit_code, code) == (ExitCode.REFUSED, "DRIFT")
    for words in (f'"{HUMAN_COLUMN}" appeared at D', '"CT" moved D→E', "nothing was changed", "zeues-migrate plan"):
        assert words in message, message
    assert observe(sid) == seen["before"]


# -- checkpoints ----------------------------------------------------------------------------------------------


def checkpoint_path(cli: Cli, sid: str) -> Path:
    return CheckpointStore(cli.checkpoints).path(sid, "apply", "3.0")


@pytest.mark.parametrize("content", ["{\"format\": \"zeues-migrate/checkpoint/1\", \"run_id\": ", "\x00\x01garbage"],
                         ids=["torn", "garbage"])
def test_a_corrupted_checkpoint(cli: Cli, observe: Fingerprint, new_sheet: Callable[..., str], content: str) -> None:
    sid = new_sheet()
    path = checkpoint_path(cli, sid)
    path.parent.mkdir(parents=True)
    path.write_text(content)
    before = observe(sid)
    message = refused(cli("apply", "--execute", "--yes", sid=sid), ExitCode.NEEDS_ATTENTION, "NEEDS_ATTENTION",
                      str(path), "unreadable or corrupted", "--discard-checkpoint")
    assert "Traceback" not in message
    assert observe(sid) == before
    assert path.read_text() == content  # never deleted: it may be the only record of a crashed run
    if "garbage" not in content:
        return
    fixed = cli("apply", "--execute", "--yes", "--discard-checkpoint", sid=sid)
    assert fixed.code == 0, fixed.doc
    assert [p.read_text() for p in path.parent.glob("apply-3.0.discarded-*.json")] == [content]


def test_a_checkpoint_of_another_run(cli: Cli, observe: Fingerprint, new_sheet: Callable[..., str]) -> None:
    """A checkpoint of another spreadsheet copied (or synced) into this one's place."""
    sid, other = new_sheet(), new_sheet()
    store = CheckpointStore(cli.checkpoints)
    migration = next(m for m in load_migrations() if m.id == "3.0")
    foreign = store.start(other, "apply", "3.0", migration.checksum, ["backup", "apply"])
    path = store.path(sid, "apply", "3.0")
    path.parent.mkdir(parents=True)
    shutil.copy(store.path(other, "apply", "3.0"), path)
    before = observe(sid)
    refused(cli("apply", "--execute", "--yes", sid=sid), ExitCode.NEEDS_ATTENTION, "NEEDS_ATTENTION", str(path),
            f"belongs to apply 3.0 on {other}, not this run", "--discard-checkpoint")
    assert observe(sid) == before
    assert json.loads(path.read_text())["run_id"] == foreign.run_id


# -- the history sheet edited by hand -------------------------------------------------------------------------


def with_history(live: Live, sid: str) -> None:
    """A history sheet, as the bridge creates it (a hold, then its release)."""
    for hold in (True, False):
        live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": hold})


def test_a_history_header_edited_by_hand(cli: Cli, live: Live, observe: Fingerprint,
                                         new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    with_history(live, sid)
    live.update(sid, f"'{HISTORY_SHEET}'!D1", [["estado"]], option="RAW")
    before = observe(sid)
    refused(cli("apply", "--execute", "--yes", sid=sid), ExitCode.NEEDS_ATTENTION, "NEEDS_ATTENTION",
            "edited by hand", "restore its header row to " + ", ".join(HISTORY_COLUMNS))
    with pytest.raises(BridgeError) as info:  # the menu's path: the bridge refuses it too
        live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"})
    assert info.value.code == "ZEUES_CONFLICT" and "edited by hand" in info.value.message
    assert observe(sid) == before


@pytest.mark.parametrize("status", ["failed", "in_progress"])
def test_a_failed_attempt_in_the_history_blocks_until_resolved(cli: Cli, live: Live, observe: Fingerprint,
                                                              new_sheet: Callable[..., str], status: str) -> None:
    sid = new_sheet()
    with_history(live, sid)
    row = ["3.0", "sha256:0", "apply", status, "2026-01-28T16:00:00Z", "2026-01-28T16:01:00Z", "someone@zeues.cl", "",
           "op-by-hand-0001", "{}"]
    live.sheets.spreadsheets().values().append(spreadsheetId=sid, range=f"'{HISTORY_SHEET}'!A1",
                                               valueInputOption="RAW", body={"values": [row]}).execute()
    before = observe(sid)
    refused(cli("apply", "--execute", "--yes", sid=sid), ExitCode.NEEDS_ATTENTION, "BLOCKED", "op-by-hand-0001",
            status, "zeues-migrate history", "zeues-migrate resolve")
    assert observe(sid) == before
    resolved = cli("resolve", "--note", "looked at it", sid=sid)
    assert resolved.code == 0 and resolved.result["resolvedOperation"] == "op-by-hand-0001", resolved.doc
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0 and applied.result["runs"][0]["status"] == "applied", applied.doc


# -- a migration file changed after it was applied ------------------------------------------------------------


def test_a_migration_changed_after_it_was_applied(emulator: Emulator, live: Live, observe: Fingerprint,
                                                  new_sheet: Callable[..., str], tmp_path: Path) -> None:
    """A migrations folder with 3.0 and a fixture 3.1; 3.1 is applied, then its file is edited. The CLI reads
    only the packaged folder, so this drives the engine functions behind `apply` and `status`."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in (MIGRATIONS_DIR / "baseline.json", MIGRATIONS_DIR / "3.0.json", FIXTURES / "3.1.json"):
        shutil.copy(path, folder / path.name)
    sid = new_sheet()
    baseline = load_baseline(folder)
    with engine_session(emulator, sid, tmp_path / "checkpoints") as session:
        known = load_migrations(folder)
        for migration in known:
            assert apply_migration(session.target(quiet=True), migration, baseline, known).status == "applied"

        spec = json.loads((folder / "3.1.json").read_text())
        spec["operations"][0]["columns"][0]["default"] = "sin detalle"
        (folder / "3.1.json").write_text(json.dumps(spec, indent=2))
        edited = load_migrations(folder)
        changed = next(m for m in edited if m.id == "3.1")
        before = observe(sid)

        status = operations.status(session.clients, sid, edited, CheckpointStore(tmp_path / "checkpoints"))
        assert status.checksum_mismatches == ["3.1"] and status.pending == []
        from orchestrator.engine.findings import Refused

        with pytest.raises(Refused) as info:
            apply_migration(session.target(quiet=True), changed, baseline, edited)
    exit_code, code, message = classify(info.value)
    assert (exit_code, code) == (ExitCode.REFUSED, "CHECKSUM")
    for words in ("migration 3.1 was applied with checksum", changed.checksum, "restore the file",
                  "write a new migration"):
        assert words in message, message
    with pytest.raises(BridgeError) as bridge:  # the bridge keeps the same rule on its own
        live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migration": bridge_payload(changed),
                                    "baseline": baseline.model_dump(mode="json")})
    assert bridge.value.code == "ZEUES_CHECKSUM" and "an applied migration must not change" in bridge.value.message
    assert observe(sid) == before
