"""Migrations are data: one JSON file per migration, validated by these models.

A migration is identified by its id (a dotted version, `3.0`) and a checksum over its canonical JSON
(sorted keys, no insignificant whitespace), as Flyway identifies a migration by version and checksum: key
order and formatting do not change it, any change of content does, so editing an applied migration's file is
detectable. The engine knows nothing migration-specific; everything it does comes from these operations.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from orchestrator.contract.grammar import MIGRATION_ID_PATTERN
from orchestrator.contract.limits import MAX_CELL_CHARS, cell_chars
from orchestrator.domain.columns import column_name_problem
from orchestrator.domain.contract import ColumnContract, ColumnRule, SheetContract, merge_contracts

_VERSION = re.compile(MIGRATION_ID_PATTERN, re.ASCII)  # matched whole (fullmatch); the bridge's is MIGRATION_ID_
_EVENT_TYPE = re.compile(r"^[A-Z][A-Z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NumberFormat(_Strict):
    """A Sheets `NumberFormat` for the new column's cells."""

    type: Literal["TEXT", "NUMBER", "PERCENT", "CURRENCY", "DATE", "TIME", "DATE_TIME", "SCIENTIFIC"]
    pattern: str | None = None


class ColumnSpec(_Strict):
    name: Annotated[str, Field(min_length=1)]
    default: str | int | float | bool | None = Field(
        default=None, description="value written on the rows `default_on` selects; null leaves them empty"
    )
    default_on: Literal["key_rows", "all_data_rows"] = Field(
        default="key_rows",
        description="key_rows: every data row with a non-empty key cell; all_data_rows: every row up to the "
        "last data row",
    )
    number_format: NumberFormat | None = None
    # What the column may hold (docs/migrations.md, "Column contracts"): part of the spec, so of its checksum.
    contract: ColumnRule | None = None

    @field_validator("name")
    @classmethod
    def _name_is_clean(cls, name: str) -> str:
        problem = column_name_problem(name)
        if problem:
            raise ValueError(problem)
        return name

    @model_validator(mode="after")
    def _fits_in_a_cell(self) -> ColumnSpec:
        """The header and the default are cells: Google refuses a whole batch with a cell over MAX_CELL_CHARS
        (the bridge refuses the same, appsscript/Apply.js checkColumnFits_)."""
        shown = repr(self.name if len(self.name) <= 40 else self.name[:40] + "…")
        for what, text in (("name", self.name), ("default", self.default)):
            if isinstance(text, str) and cell_chars(text) > MAX_CELL_CHARS:
                raise ValueError(f"the {what} of column {shown} is {cell_chars(text):,} characters, over Google's "
                                 f"limit of {MAX_CELL_CHARS:,} per cell: shorten it")
        return self


class AddColumns(_Strict):
    """Append columns after the last header column of a sheet (never at a fixed position)."""

    kind: Literal["add_columns"]
    sheet: Annotated[str, Field(min_length=1)]
    key_column: Annotated[str, Field(min_length=1, description="header of the column that identifies a row")]
    columns: Annotated[list[ColumnSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_names(self) -> AddColumns:
        from orchestrator.domain.columns import normalize_header

        seen: dict[str, str] = {}
        for column in self.columns:
            key = normalize_header(column.name)
            if key in seen:
                raise ValueError(f"columns {seen[key]!r} and {column.name!r} normalise to the same name")
            seen[key] = column.name
        return self


class RegisterEventTypes(_Strict):
    """Add event types to the registry and to the (warning-only) validation of the event column."""

    kind: Literal["register_event_types"]
    sheet: Annotated[str, Field(min_length=1)]
    column: Annotated[str, Field(min_length=1)]
    event_types: Annotated[list[str], Field(min_length=1)]

    @field_validator("event_types")
    @classmethod
    def _well_formed(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _EVENT_TYPE.match(value):
                raise ValueError(f"event type {value!r} must be UPPER_SNAKE_CASE")
        if len(set(values)) != len(values):
            raise ValueError("event types repeat")
        return values


Operation = Annotated[AddColumns | RegisterEventTypes, Field(discriminator="kind")]


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum_of(data: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(data).encode()).hexdigest()


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


class Migration(_Strict):
    id: str
    description: Annotated[str, Field(min_length=1)]
    operations: Annotated[list[Operation], Field(min_length=1)]
    # Contracts from `contracts/<id>.json`, for a migration applied before contracts were part of a spec (3.0):
    # not a field, so neither the checksum nor the canonical JSON sees them.
    _side_contracts: list[SheetContract] = PrivateAttr(default_factory=list)

    @field_validator("id")
    @classmethod
    def _dotted_version(cls, value: str) -> str:
        if not _VERSION.fullmatch(value):
            raise ValueError(f"migration id {value!r} must be a dotted version like 3.0")
        return value

    @property
    def checksum(self) -> str:
        """Checksum of the canonical JSON of the migration as written (defaults not filled in)."""
        return checksum_of(self.model_dump(mode="json", exclude_unset=True))

    @property
    def sort_key(self) -> tuple[int, ...]:
        return version_key(self.id)

    def added_columns(self, sheet: str) -> list[ColumnSpec]:
        return [c for op in self.operations if isinstance(op, AddColumns) and op.sheet == sheet for c in op.columns]

    def registered_event_types(self) -> list[str]:
        return [t for op in self.operations if isinstance(op, RegisterEventTypes) for t in op.event_types]

    def with_side_contracts(self, contracts: list[SheetContract]) -> Migration:
        copy = self.model_copy()
        copy._side_contracts = list(contracts)
        return copy

    @property
    def contracts(self) -> list[SheetContract]:
        """Every column contract this migration declares: its side file's, then its columns' own."""
        inline = [SheetContract(sheet=op.sheet, key_column=op.key_column, columns=[
            ColumnContract(column=c.name, **c.contract.model_dump()) for c in op.columns if c.contract])
            for op in self.operations if isinstance(op, AddColumns) and any(c.contract for c in op.columns)]
        return merge_contracts(self._side_contracts, inline)


class Baseline(_Strict):
    """The schema this tool starts from (v2.1), which no migration of ours created (Flyway's baseline)."""

    version: str
    description: str
    event_type_sheet: str
    event_type_column: str
    event_types: Annotated[list[str], Field(min_length=1)]
    _contracts: list[SheetContract] = PrivateAttr(default_factory=list)  # from contracts/baseline.json

    def with_contracts(self, contracts: list[SheetContract]) -> Baseline:
        copy = self.model_copy()
        copy._contracts = list(contracts)
        return copy

    @property
    def contracts(self) -> list[SheetContract]:
        """What the v2.1 backend reads, and so what every sheet must hold whatever is applied."""
        return list(self._contracts)
