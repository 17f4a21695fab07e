"""Rehearsal: the whole cycle — copy, apply, verify, roll back, verify — on a copy, never on the original.

With no target, on the local emulator, with a generated v2.1 workbook or a workbook file (a `dump` of
production). The emulator runs the real bridge code and the Python clients talk to it over real sockets.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel

from orchestrator.codegen import BRIDGE_DIR
from orchestrator.config import Config, load_config
from orchestrator.emulator import Emulator, running_emulator
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.private_files import private_dir
from orchestrator.engine.progress import Progress
from orchestrator.engine.runs import RunReport, Target, apply_migration, rollback_migration
from orchestrator.engine.state import read_live_state
from orchestrator.google import GoogleClients
from orchestrator.google.script import new_op_id
from orchestrator.migrations import load_baseline, load_migrations
from orchestrator.workbook import WorkbookOptions, write_workbook


class RehearsalReport(BaseModel):
    source: str
    original_id: str
    copy_id: str
    spools: int | None
    applied: list[RunReport]
    rolled_back: list[RunReport]
    seconds: float
    api_calls: dict[str, int]
    bytes_read: int


@contextmanager
def emulated_workbook(source: Path | None, spools: int, seed: int, work: Path,
                      stream: TextIO | None) -> Iterator[tuple[Emulator, str]]:
    """Start the emulator and load the workbook; yields the emulator and the spreadsheet id. The workbook, the
    emulator's state and the checkpoints hold the sheet's cells: `work` is made a private (0700) folder."""
    private_dir(work)
    progress = Progress(stream)
    progress.step("emulator", "starting the local emulator with the bridge")
    with running_emulator(work / "emulator", BRIDGE_DIR) as emu:
        progress.done("emulator", emu.url)
        if source is None:
            source = work / "workbook.json"
            progress.step("workbook", f"generating a {spools:,}-spool v2.1 workbook")
            write_workbook(WorkbookOptions(spools=spools, seed=seed), source, progress)
            progress.done("workbook", str(source))
        # The emulator parses and stores the whole file in one call, with nothing to count: say what it is doing.
        progress.step("load", f"loading {source.name} ({source.stat().st_size / 1e6:,.1f} MB) into the emulator")
        spreadsheet_id = emu.create_spreadsheet(source)
        progress.done("load", spreadsheet_id)
        yield emu, spreadsheet_id


def rehearse(clients: GoogleClients, original_id: str, store: CheckpointStore, progress: Progress,
             source: str, spools: int | None, on_run: Callable[[RunReport], None] | None = None) -> RehearsalReport:
    """Copy the original through the bridge, then apply every pending migration and roll them all back.
    `on_run` sees each run's report as it finishes (the benchmark reads the API counters there)."""
    started = time.perf_counter()
    migrations, baseline = load_migrations(), load_baseline()
    progress.begin_run()
    progress.step("copy", "a rehearsal copy of the original")
    # A working copy, not a backup: backups are inert (the bridge refuses to change them), the rehearsal changes it.
    copy = clients.script.run("backupSpreadsheet", {"opId": new_op_id(), "spreadsheetId": original_id,
                                                    "label": "rehearsal", "rehearsal": True})
    copy_id = str(copy["backupId"])
    progress.done("copy", copy_id)
    target = Target(clients, copy_id, store, progress)
    state = read_live_state(clients.sheets, copy_id)
    applied_ids = {r.migration_id for r in state.applied()}
    todo = [m for m in migrations if m.id not in applied_ids]
    applied: list[RunReport] = []
    rolled_back: list[RunReport] = []
    for migration in todo:
        # The copy's state was read just now and nobody else knows the copy: the first apply starts from it.
        applied.append(apply_migration(target, migration, baseline, migrations,
                                       state=state if migration is todo[0] else None))
        if on_run:
            on_run(applied[-1])
    for migration in reversed(todo):
        rolled_back.append(rollback_migration(target, migration.id, baseline, migrations))
        if on_run:
            on_run(rolled_back[-1])
    return RehearsalReport(
        source=source, original_id=original_id, copy_id=copy_id, spools=spools, applied=applied,
        rolled_back=rolled_back, seconds=round(time.perf_counter() - started, 3),
        api_calls={name: m.calls for name, m in clients.stats.methods.items()}, bytes_read=clients.stats.bytes)


def emulator_config(emu: Emulator, spreadsheet_id: str, work: Path) -> Config:
    return load_config({"endpoint": emu.url, "deployment_id": emu.deployment_id, "spreadsheet_id": spreadsheet_id,
                        "credentials": str(emu.credentials_file()),
                        "checkpoint_dir": str(work / "checkpoints"), "reads_per_minute": 0,
                        "script_timeout": 400.0}, {}, work)


def rehearse_on_emulator(source: Path | None, spools: int, seed: int, stream: TextIO | None,
                         work: Path | None = None) -> RehearsalReport:
    with tempfile.TemporaryDirectory(prefix="zeues-rehearsal-") as tmp:  # 0700, as mkdtemp makes it
        root = work or Path(tmp)
        with emulated_workbook(source, spools, seed, root, stream) as (emu, original_id):
            with GoogleClients.from_config(emulator_config(emu, original_id, root)) as clients:
                return rehearse(clients, original_id, CheckpointStore(root / "checkpoints"), Progress(stream),
                                str(source) if source else f"generated ({spools:,} spools, seed {seed})",
                                None if source else spools)
