"""End-to-end fixtures: the real `zeues-migrate` CLI driven as a subprocess over real sockets against the
session's emulator (tests/conftest.py), its `--json` document parsed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.emulator import Emulator
from orchestrator.workbook import Variant, WorkbookOptions, write_workbook
from tests.support.cli import Cli
from tests.support.cli import Run as Result
from tests.support.live import Live
from tests.support.observe import ARCHIVE_TITLE, history, observe

__all__ = ["ARCHIVE_TITLE", "Cli", "Result", "history", "observe"]


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
