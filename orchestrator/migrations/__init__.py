"""Loading the migration specs (`<id>.json`) and the baseline, and what they add up to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orchestrator.migrations.spec import Baseline, Migration

MIGRATIONS_DIR = Path(__file__).resolve().parent
BASELINE_FILE = "baseline.json"


class MigrationSpecError(ValueError):
    """A migration file is unreadable, invalid, or inconsistent with the others."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MigrationSpecError(f"{path}: cannot read JSON: {exc}") from None


def load_baseline(directory: Path = MIGRATIONS_DIR) -> Baseline:
    path = directory / BASELINE_FILE
    try:
        return Baseline.model_validate(_read_json(path))
    except ValidationError as exc:
        raise MigrationSpecError(f"{path}: invalid baseline:\n{exc}") from None


def load_migration(path: Path) -> Migration:
    try:
        migration = Migration.model_validate(_read_json(path))
    except ValidationError as exc:
        raise MigrationSpecError(f"{path}: invalid migration:\n{exc}") from None
    if migration.id != path.stem:
        raise MigrationSpecError(f"{path}: id {migration.id!r} does not match the file name; name it {migration.id}.json")
    return migration


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every `<id>.json` migration in the folder, in version order."""
    migrations = [load_migration(p) for p in sorted(directory.glob("*.json")) if p.name != BASELINE_FILE]
    migrations.sort(key=lambda m: m.sort_key)
    for earlier, later in zip(migrations, migrations[1:]):
        if earlier.sort_key == later.sort_key:
            raise MigrationSpecError(f"{directory}: migrations {earlier.id} and {later.id} have the same version")
    return migrations


def event_type_registry(baseline: Baseline, migrations: list[Migration]) -> list[str]:
    """The event types the sheet accepts once every given migration is applied, in registration order."""
    registry = list(baseline.event_types)
    for migration in migrations:
        for event_type in migration.registered_event_types():
            if event_type in registry:
                raise MigrationSpecError(f"migration {migration.id} registers {event_type}, which is already registered")
            registry.append(event_type)
    return registry


def bridge_payload(migration: Migration) -> dict[str, Any]:
    """The spec as the bridge receives it: every default filled in, plus the checksum to record."""
    return {"checksum": migration.checksum, **migration.model_dump(mode="json")}
