from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from orchestrator.migrations import MIGRATIONS_DIR, bridge_payload, load_migrations
from orchestrator.migrations.spec import Migration
from orchestrator.workbook import Variant, WorkbookOptions, build_workbook
from tests.support.live import Live

FIXTURE_MIGRATIONS = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def live(emulator: Any) -> Iterator[Live]:
    emulator.reset()
    yield Live(emulator.url, emulator.deployment_id)
    emulator.reset()


@cache
def _workbook(spools: int, seed: int, variants: frozenset[Variant]) -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=spools, seed=seed, variants=variants))


@pytest.fixture
def new_sheet(emulator: Any) -> Callable[..., str]:
    """Create a fresh spreadsheet from a generated v2.1 workbook; returns its id."""

    def create(spools: int = 300, seed: int = 1, variants: frozenset[Variant] = frozenset()) -> str:
        return emulator.create_spreadsheet(_workbook(spools, seed, variants))  # type: ignore[no-any-return]

    return create


def v30() -> dict[str, Any]:
    return bridge_payload(next(m for m in load_migrations(MIGRATIONS_DIR) if m.id == "3.0"))


def fixture_migration(name: str) -> dict[str, Any]:
    """A migration spec that is not part of the product (e.g. the next real change, for tests)."""
    return bridge_payload(Migration.model_validate_json((FIXTURE_MIGRATIONS / name).read_text(encoding="utf-8")))
