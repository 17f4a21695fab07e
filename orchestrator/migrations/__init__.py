"""Loading the migration specs (`<id>.json`) and the baseline, and what they add up to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orchestrator.domain.contract import SheetContract, contracts_from_data, merge_contracts
from orchestrator.migrations.spec import AddColumns, Baseline, Migration
from orchestrator.migrations.validation import validation_rule

MIGRATIONS_DIR = Path(__file__).resolve().parent
BASELINE_FILE = "baseline.json"
# `contracts/<id>.json` (and `contracts/baseline.json`): the column contracts of a step whose spec was applied
# before specs carried them. A spec's checksum is its identity, recorded in every sheet it was applied to, so
# 3.0.json cannot gain them; a newer migration writes `contract` on its columns instead (checksummed).
CONTRACTS_DIR = "contracts"


class MigrationSpecError(ValueError):
    """A migration file is unreadable, invalid, or inconsistent with the others."""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MigrationSpecError(f"{path}: cannot read JSON: {exc}") from None


def load_contract_file(directory: Path, step: str) -> tuple[str | None, list[SheetContract]]:
    """(the schema it names, its sheet contracts) of `contracts/<step>.json`; (None, []) when there is none."""
    path = directory / CONTRACTS_DIR / f"{step}.json"
    if not path.exists():
        return None, []
    data = _read_json(path)
    try:
        return (data.get("schema") if isinstance(data, dict) else None), contracts_from_data(data)
    except (ValidationError, AttributeError) as exc:
        raise MigrationSpecError(f"{path}: invalid column contracts:\n{exc}") from None


def load_baseline(directory: Path = MIGRATIONS_DIR) -> Baseline:
    path = directory / BASELINE_FILE
    try:
        baseline = Baseline.model_validate(_read_json(path))
    except ValidationError as exc:
        raise MigrationSpecError(f"{path}: invalid baseline:\n{exc}") from None
    schema, contracts = load_contract_file(directory, path.stem)
    if contracts and schema != baseline.version:
        raise MigrationSpecError(f"{directory / CONTRACTS_DIR}/baseline.json: names schema {schema!r}, the baseline "
                                 f"is {baseline.version}")
    return baseline.with_contracts(contracts)


def load_migration(path: Path) -> Migration:
    try:
        migration = Migration.model_validate(_read_json(path))
    except ValidationError as exc:
        raise MigrationSpecError(f"{path}: invalid migration:\n{exc}") from None
    if migration.id != path.stem:
        raise MigrationSpecError(f"{path}: id {migration.id!r} does not match the file name; name it {migration.id}.json")
    schema, contracts = load_contract_file(path.parent, migration.id)
    if not contracts:
        return migration
    where = path.parent / CONTRACTS_DIR / path.name
    added = {(op.sheet, c.name) for op in migration.operations if isinstance(op, AddColumns) for c in op.columns}
    stray = [f"{s.sheet}!{c.column}" for s in contracts for c in s.columns if (s.sheet, c.column) not in added]
    if schema != migration.id or stray:
        raise MigrationSpecError(f"{where}: a migration's contracts name its id and only the columns it adds "
                                 f"(schema {schema!r}; not added by {migration.id}: {', '.join(stray) or 'none'})")
    return migration.with_side_contracts(contracts)


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


def schema_contracts(baseline: Baseline, applied: list[Migration]) -> list[SheetContract]:
    """What the sheets must hold once `applied` are: the baseline's contracts and every applied migration's."""
    return merge_contracts(baseline.contracts, *(m.contracts for m in applied))


def bridge_payload(migration: Migration) -> dict[str, Any]:
    """The spec as the bridge receives it: every default filled in, the checksum to record, and the column
    contracts (side file included), from which the bridge derives each column's warning-only validation."""
    return {"checksum": migration.checksum, **migration.model_dump(mode="json"),
            "contracts": [c.model_dump(mode="json") for c in migration.contracts],
            "validations": [{"sheet": s.sheet, "column": c.column, "rule": rule} for s in migration.contracts
                            for c in s.columns if (rule := validation_rule(c)) is not None]}
