"""End-to-end fixtures: one emulator running the real bridge, and the real `zeues-migrate` CLI driven as a
subprocess over real sockets, its `--json` document parsed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codegen import BRIDGE_DIR
from orchestrator.emulator import Emulator, running_emulator
from orchestrator.engine.state import HISTORY_SHEET
from orchestrator.workbook import Variant, WorkbookOptions, write_workbook
from tests.support.live import Live

_VENV_CLI = Path(sys.executable).with_name("zeues-migrate")
ZEUES = str(_VENV_CLI) if _VENV_CLI.exists() else (shutil.which("zeues-migrate") or "zeues-migrate")
ARCHIVE_TITLE = re.compile(r"^(_zeues_archive_[^_]+)_\d{8}T\d{6}Z$")


@dataclass
class Result:
    code: int
    doc: dict[str, Any] | None  # the --json document (None when the process died before printing it)
    stdout: str
    stderr: str

    @property
    def result(self) -> Any:
        assert self.doc is not None, self.stderr[-2000:]
        return self.doc["result"]


class Cli:
    """Runs `zeues-migrate VERB ... --endpoint URL --deployment-id ID --spreadsheet-id ID ... --json`."""

    def __init__(self, emulator: Emulator, checkpoints: Path, cwd: Path) -> None:
        self.emulator, self.checkpoints, self.cwd = emulator, checkpoints, cwd

    def __call__(self, verb: str, *args: str, sid: str | None = None, failpoints: str = "",
                 connect: bool = True, as_json: bool = True, timeout: float = 300) -> Result:
        cmd = [ZEUES, verb, *args]
        if connect:
            cmd += ["--endpoint", self.emulator.url, "--deployment-id", self.emulator.deployment_id,
                    "--reads-per-minute", "0", "--checkpoint-dir", str(self.checkpoints)]
            if sid:
                cmd += ["--spreadsheet-id", sid]
        if as_json:
            cmd.append("--json")
        # Only what the test says: no ZEUES_* from the developer's shell, no terminal on stdin.
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
        if failpoints:
            env["ZEUES_FAILPOINTS"] = failpoints
        done = subprocess.run(cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
        doc = json.loads(done.stdout) if as_json and done.stdout.strip() else None
        if doc is not None:
            assert doc["exitCode"] == done.returncode
        return Result(done.returncode, doc, done.stdout, done.stderr)


@pytest.fixture(scope="package")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("e2e-emulator"), BRIDGE_DIR) as emu:
        yield emu


@pytest.fixture
def live(emulator: Emulator) -> Live:
    return Live(emulator.url, emulator.deployment_id)


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> Cli:
    return Cli(emulator, tmp_path / "checkpoints", tmp_path)


@pytest.fixture(scope="package")
def workbook_file(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """A generated v2.1 workbook file (written once per size, seed and variants)."""
    folder = tmp_path_factory.mktemp("workbooks")

    def make(spools: int = 50, seed: int = 1, variants: frozenset[Variant] = frozenset()) -> Path:
        path = folder / f"wb-{spools}-{seed}-{'-'.join(sorted(variants)) or 'standard'}.json"
        if not path.exists():
            write_workbook(WorkbookOptions(spools=spools, seed=seed, variants=variants), path)
        return path

    return make


@pytest.fixture
def new_sheet(emulator: Emulator, workbook_file: Callable[..., Path]) -> Callable[..., str]:
    def create(spools: int = 50, seed: int = 1, variants: frozenset[Variant] = frozenset()) -> str:
        return emulator.create_spreadsheet(workbook_file(spools, seed, variants))

    return create


# -- observing a spreadsheet ---------------------------------------------------------------------------------

def history(live: Live, sid: str) -> list[dict[str, str]]:
    if HISTORY_SHEET not in live.sheet_titles(sid):
        return []
    rows = live.values(sid, f"'{HISTORY_SHEET}'!A1:J", "FORMATTED_VALUE")
    header, data = rows[0], rows[1:]
    return [dict(zip(header, [str(c) for c in r] + [""] * (len(header) - len(r)))) for r in data]


def observe(live: Live, sid: str) -> dict[str, Any]:
    """What a run must leave the same however often it was interrupted: every sheet's cells (formulas as
    formulas), the zeues developer metadata (keys, values, places) and the history (without times and ids).
    Archive sheet titles lose their time stamp."""
    full = live.sheets.spreadsheets().get(
        spreadsheetId=sid, fields="developerMetadata,sheets(properties(title,hidden,gridProperties))").execute()
    sheets = {}
    for s in full["sheets"]:
        props = s["properties"]
        title = props["title"]
        sheets[ARCHIVE_TITLE.sub(r"\1", title)] = {
            "hidden": props.get("hidden", False), "grid": props["gridProperties"],
            "cells": live.values(sid, f"'{title}'", "FORMULA") if title != HISTORY_SHEET else None}
    metadata = sorted(
        (json.dumps(md.get("location"), sort_keys=True), md["metadataKey"], md.get("metadataValue"))
        for key in ("zeues.column", "zeues.migration", "zeues.schema_version", "zeues.event_types", "zeues.hold")
        for md in live.metadata(sid, key))
    rows = [(h["migration_id"], h["checksum"], h["action"], h["status"]) for h in history(live, sid)]
    return {"sheets": sheets, "metadata": metadata, "history": rows}
