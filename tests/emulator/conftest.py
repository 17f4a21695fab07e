"""Fixtures for the emulator's Python acceptance tests: one emulator process per test module, reset between
tests, and realistic small workbooks from the project's generator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.emulator import Emulator, start_emulator
from orchestrator.workbook.generator import WorkbookOptions, build_workbook

FIXTURE_SCRIPT = Path(__file__).parent / "fixture_script"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = start_emulator(tmp_path_factory.mktemp("emulator"), FIXTURE_SCRIPT)
    try:
        yield emu
    finally:
        assert emu.stop() == 0


@pytest.fixture(autouse=True)
def _reset(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset()


@pytest.fixture(scope="module")
def workbook_resource() -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=40, seed=1))
