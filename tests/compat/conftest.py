"""Compatibility-suite fixtures: one emulator running the real bridge, the real CLI as a subprocess (it applies
and rolls back the migration), and gspread pointed at the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gspread
import pytest

from orchestrator.emulator import Emulator
from tests.compat.backends import client
from tests.emulator.wire import RewritingSession
from tests.support.cli import Cli
from tests.support.live import Live


@pytest.fixture
def live(emulator: Emulator) -> Live:
    return Live(emulator.url, emulator.deployment_id)


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> Cli:
    return Cli(emulator, tmp_path / "checkpoints", tmp_path)


@pytest.fixture
def gspread_client(emulator: Emulator) -> Iterator[gspread.Client]:
    """An unchanged gspread; every JSON answer it got is checked against Google's discovery schemas."""
    session = RewritingSession(emulator.url, emulator.owner_token())
    yield client(session)
    assert session.validate_all() > 0
