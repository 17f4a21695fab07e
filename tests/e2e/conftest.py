"""End-to-end fixtures: one emulator running the real bridge, and the real `zeues-migrate` CLI driven as a
subprocess over real sockets, its `--json` document parsed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codegen import BRIDGE_DIR
from orchestrator.emulator import Emulator, running_emulator
from orchestrator.engine.state import HISTORY_SHEET
from orchestrator.workbook import Variant, WorkbookOptions, write_workbook
from tests.support.cli import Cli
from tests.support.cli import Run as Result
from tests.support.live import Live

__all__ = ["Cli", "Result"]

ARCHIVE_TITLE = re.compile(r"^(_zeues_archive_[^_]+)_\d{8}T\d{6}Z$")


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
