"""Hostile-input fixtures: one emulator running the real bridge, the real CLI as a subprocess, small generated
workbooks, and the workbook fingerprint every refusal must leave unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from orchestrator.workbook import Variant, WorkbookOptions, build_workbook
from tests.support.cli import Cli, Run, fingerprint
from tests.support.live import Live

SPOOLS = 30


@pytest.fixture
def live(emulator: Emulator) -> Iterator[Live]:
    emulator.reset()
    yield Live(emulator.url, emulator.deployment_id)
    emulator.reset()


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> Cli:
    return Cli(emulator, tmp_path / "checkpoints", tmp_path)


@cache
def _resource(spools: int, variants: frozenset[Variant]) -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=spools, seed=6, variants=variants))


def workbook(spools: int = SPOOLS, variants: frozenset[Variant] = frozenset()) -> dict[str, Any]:
    """A fresh deep copy of a generated v2.1 workbook resource, to edit before creating it."""
    import copy

    return copy.deepcopy(_resource(spools, variants))


@pytest.fixture
def new_sheet(emulator: Emulator) -> Callable[..., str]:
    def create(resource: dict[str, Any] | None = None) -> str:
        return emulator.create_spreadsheet(resource if resource is not None else workbook())

    return create


Fingerprint = Callable[[str], dict[str, Any]]


@pytest.fixture
def observe(live: Live, emulator: Emulator) -> Fingerprint:
    return lambda sid: fingerprint(live, emulator, sid)


def refused(run: Run, exit_code: ExitCode, code: str, *words: str) -> str:
    """Assert the CLI's exit code, its machine code and that the message holds every key word (case-insensitive);
    returns the message."""
    assert run.code == int(exit_code), (run.code, run.doc, run.stderr[-2000:])
    assert run.doc is not None and run.doc["ok"] is False
    assert run.error["code"] == code, run.error
    message = run.message
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in: {message}"
    return message
