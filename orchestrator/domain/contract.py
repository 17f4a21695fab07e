"""Column contracts: what a column may hold, on which rows — one definition for the reader, `verify` and the
bridge's data validation.

The types live here, in the domain model, because the ZEUES backend imports this package and nothing else of
the tool; the *data* that instantiates them is the migrations' (`orchestrator/migrations/contracts/*.json`,
or a column's `contract` inside a newer spec), copied into `schema_contracts.py` by `python3 tasks.py regen`
so the backend needs no migration file at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from orchestrator.domain.cells import (
    MONTH_ABBREVIATIONS,
    SHEET_TIMEZONE,
    CellParseError,
    CellValue,
    is_blank,
    parse_int,
    parse_text,
    parse_worker,
    serial_to_datetime,
)
from orchestrator.domain.columns import ColumnMap, normalize_header

RowScope = Literal["key_rows", "all_data_rows"]
# The written forms a date column may hold. `serial` is a real date cell (a number read UNFORMATTED_VALUE, or
# a serial stringified); the others are text as people and code typed it.
DateForm = Literal["serial", "DD-MM-YYYY", "D/M/YYYY", "YYYY-MM-DD", "DD-Mon-YYYY", "DD-MM-YYYY HH:MM:SS"]

FORM_PATTERNS: dict[str, re.Pattern[str]] = {
    "serial": re.compile(r"^\d{5}(\.\d+)?$"),
    "DD-MM-YYYY": re.compile(r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})$"),
    "D/M/YYYY": re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
    "YYYY-MM-DD": re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    "DD-Mon-YYYY": re.compile(r"^(?P<d>\d{1,2})[-/ ](?P<mon>[A-Za-z]{3,4})\.?[-/ ](?P<y>\d{4})$"),
    "DD-MM-YYYY HH:MM:SS": re.compile(
        r"^(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4}) (?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})$"),
}


def text_pattern(forms: Sequence[str]) -> str:
    """One regular expression (RE2 and Python alike: no named groups) for text in any of `forms`."""
    return "^(?:" + "|".join(re.sub(r"\(\?P<\w+>", "(", FORM_PATTERNS[f].pattern)[1:-1] for f in forms) + ")$"


def _parse_forms(value: CellValue, forms: Sequence[str], what: str) -> datetime | None:
    """A naive local datetime from the first of `forms` that matches; blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellParseError(f"not a {what}: {value!r}")
    if isinstance(value, (int, float)):
        if "serial" in forms:
            return serial_to_datetime(float(value))
        raise CellParseError(f"not a {what} in the forms {', '.join(forms)}: a number {value!r}")
    text = str(value).strip()
    for form in forms:
        m = FORM_PATTERNS[form].match(text)
        if m is None:
            continue
        if form == "serial":
            return serial_to_datetime(float(text))
        parts = m.groupdict()
        month = MONTH_ABBREVIATIONS.get(parts["mon"].lower()) if "mon" in parts else int(parts["m"])
        if month is None:
            continue
        try:
            return datetime(int(parts["y"]), month, int(parts["d"]), int(parts.get("H") or 0),
                            int(parts.get("M") or 0), int(parts.get("S") or 0))
        except ValueError as exc:  # e.g. 31-02-2025
            raise CellParseError(f"not a valid {what}: {text!r} ({exc})") from None
    raise CellParseError(f"not a {what} in the forms {', '.join(forms)}: {text!r}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntegerType(_Strict):
    kind: Literal["integer"]
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, value: CellValue) -> int | None:
        number = parse_int(value)
        if number is None:
            return None
        if self.minimum is not None and number < self.minimum:
            raise CellParseError(f"{number} is below the minimum {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise CellParseError(f"{number} is above the maximum {self.maximum}")
        return number


class TextType(_Strict):
    kind: Literal["text"]

    def parse(self, value: CellValue) -> str | None:
        return parse_text(value)


class WorkerType(_Strict):
    """`INICIALES(ID)` such as `MR(93)`; `full_names`: also a full name (older rows of the v2.1 columns)."""

    kind: Literal["worker"]
    full_names: bool = False

    def parse(self, value: CellValue) -> Any:
        worker = parse_worker(value)
        if worker is not None and worker.initials is None and not self.full_names:
            raise CellParseError(f"not a worker INICIALES(ID) such as MR(93): {worker.raw!r}")
        return worker


class OneOfType(_Strict):
    kind: Literal["one_of"]
    values: Annotated[list[str], Field(min_length=1)]

    def parse(self, value: CellValue) -> str | None:
        text = parse_text(value)
        if text is not None and text not in self.values:
            raise CellParseError(f"not one of {', '.join(self.values)}: {text!r}")
        return text


class DateType(_Strict):
    kind: Literal["date"]
    forms: Annotated[list[DateForm], Field(min_length=1)]

    def parse(self, value: CellValue) -> date | None:
        moment = _parse_forms(value, self.forms, "date")
        return moment.date() if moment is not None else None


class DateTimeType(_Strict):
    """A local date-time in America/Santiago (the sheet's locale); a date-only form reads as midnight."""

    kind: Literal["datetime"]
    forms: Annotated[list[DateForm], Field(min_length=1)]

    def parse(self, value: CellValue) -> datetime | None:
        moment = _parse_forms(value, self.forms, "date-time")
        return moment.replace(tzinfo=SHEET_TIMEZONE) if moment is not None else None


CellType = Annotated[IntegerType | TextType | WorkerType | OneOfType | DateType | DateTimeType,
                     Field(discriminator="kind")]


class ColumnRule(_Strict):
    """What one column may hold: its type, whether it may be empty, on which rows, whether values repeat."""

    type: CellType
    required: bool = Field(default=False, description="true: never empty on the rows `rows` selects")
    rows: RowScope = Field(default="key_rows", description="key_rows: rows with a key; all_data_rows: every row "
                                                           "with any value")
    unique: bool = False


class ColumnContract(ColumnRule):
    column: Annotated[str, Field(min_length=1)]


class SheetContract(_Strict):
    sheet: Annotated[str, Field(min_length=1)]
    key_column: Annotated[str, Field(min_length=1)]
    columns: Annotated[list[ColumnContract], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_contract_per_column(self) -> SheetContract:
        names = [normalize_header(c.column) for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.sheet}: a column has two contracts")
        return self

    def column(self, name: str) -> ColumnContract | None:
        key = normalize_header(name)
        return next((c for c in self.columns if normalize_header(c.column) == key), None)


def merge_contracts(*groups: Iterable[SheetContract]) -> list[SheetContract]:
    """The contracts of several schema steps as one list, one entry per sheet, in first-seen order. A later step
    that declares a column again replaces the earlier contract of it."""
    merged: dict[str, SheetContract] = {}
    for group in groups:
        for contract in group:
            before = merged.get(contract.sheet)
            if before is None:
                merged[contract.sheet] = contract
                continue
            kept = [c for c in before.columns if contract.column(c.column) is None]
            merged[contract.sheet] = before.model_copy(update={"columns": [*kept, *contract.columns]})
    return list(merged.values())


class Violation(BaseModel):
    """A cell that breaks its column's contract."""

    model_config = ConfigDict(frozen=True)

    sheet: str
    row: int  # 1-based sheet row
    key: str | None
    column: str
    value: CellValue
    problem: str

    def __str__(self) -> str:
        return (f"{self.sheet} row {self.row} ({self.key or 'no key'}), column {self.column!r}: {self.value!r}: "
                f"{self.problem}")


class CheckedRow(BaseModel):
    """One row checked against a sheet's contract: the parsed value of every column checked on it (None for a
    cell that broke its contract) and its violations."""

    row: int
    key: str | None
    values: dict[str, Any]
    violations: list[Violation]


class SheetChecker:
    """Checks rows of one sheet against its contract, by header name. Remembers keys for `unique` columns, so
    feed it every row of the sheet once, in order."""

    def __init__(self, contract: SheetContract, header: Sequence[str]) -> None:
        self.contract = contract
        columns = ColumnMap(header)
        self.missing = columns.missing([contract.key_column, *(c.column for c in contract.columns)])
        self.key_index = columns.get(contract.key_column)
        self.positions = {c.column: at for c in contract.columns if (at := columns.get(c.column)) is not None}
        self.width = max([*self.positions.values(), self.key_index or 0]) + 1
        self._seen: dict[str, dict[str, int]] = {c.column: {} for c in contract.columns if c.unique}
        self.rows_checked = 0
        self.cells_checked = 0

    def check(self, row_number: int, cells: Sequence[CellValue]) -> CheckedRow | None:
        """The checked row, or None for a row no contract covers (an empty row)."""
        key = parse_text(cells[self.key_index]) if self.key_index is not None and self.key_index < len(cells) else None
        data = key is not None or any(not is_blank(c) for c in cells)
        if not data:
            return None
        self.rows_checked += 1
        values: dict[str, Any] = {}
        violations: list[Violation] = []
        for rule in self.contract.columns:
            at = self.positions.get(rule.column)
            if at is None or (rule.rows == "key_rows" and key is None):
                continue
            self.cells_checked += 1
            raw = cells[at] if at < len(cells) else None
            problem: str | None = None
            try:
                values[rule.column] = rule.type.parse(raw)
            except CellParseError as exc:
                values[rule.column] = None
                problem = str(exc)
            if problem is None and rule.required and is_blank(raw):
                problem = "empty, and the column may not be empty here"
            if problem is None and rule.unique and not is_blank(raw):
                text = str(parse_text(raw))
                first = self._seen[rule.column].setdefault(text, row_number)
                if first != row_number:
                    problem = f"repeats row {first}; the column is unique"
            if problem is not None:
                violations.append(Violation(sheet=self.contract.sheet, row=row_number, key=key, column=rule.column,
                                            value=raw, problem=problem))
        return CheckedRow(row=row_number, key=key, values=values, violations=violations)


def contracts_from_data(data: Mapping[str, Any]) -> list[SheetContract]:
    """The sheet contracts of one schema step as its contract file writes them (`{"sheets": [...]}`)."""
    return [SheetContract.model_validate(s) for s in data.get("sheets", [])]


def contracts_for(schema: str) -> list[SheetContract]:
    """The contracts code running against `schema` (`2.1`, `3.0`; a leading `v` is ignored) relies on: every
    step up to it, from the data the migrations carry (schema_contracts.py, generated)."""
    from orchestrator.domain.schema_contracts import SCHEMA_CONTRACTS

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version.lstrip("v").split("."))

    return merge_contracts(*(contracts_from_data({"sheets": sheets}) for step, sheets in SCHEMA_CONTRACTS.items()
                             if key(step) <= key(schema)))
