"""A column contract as a Sheets data validation rule, warning only, so a person typing `abc` into `version`
sees it flagged (as the event-type column's list is). Derived here, once, from the same contract objects the
domain reader and `verify` use; the bridge receives the rules in the migration payload and only places them.

An empty cell always passes: whether a column may be empty depends on the row (rows with a key), which a
per-column rule does not know; `verify` checks that.
"""

from __future__ import annotations

from typing import Any

from orchestrator.contract.sheets import VALIDATION_CELL
from orchestrator.domain.cells import WORKER_PATTERN
from orchestrator.domain.contract import (
    ColumnRule,
    DateTimeType,
    DateType,
    IntegerType,
    OneOfType,
    TextType,
    WorkerType,
    text_pattern,
)

C = VALIDATION_CELL


def _matches(pattern: str) -> str:
    return f'REGEXMATCH(TO_TEXT({C}),"{pattern}")'


def _check(rule: ColumnRule) -> str | None:
    """A formula that is TRUE for an allowed non-empty cell, or None when any value is allowed."""
    kind = rule.type
    if isinstance(kind, IntegerType):
        parts = [f"ISNUMBER({C})", f"{C}=INT({C})"]
        parts += [f"{C}>={kind.minimum}"] if kind.minimum is not None else []
        parts += [f"{C}<={kind.maximum}"] if kind.maximum is not None else []
        return f"AND({','.join(parts)})"
    if isinstance(kind, WorkerType):
        return None if kind.full_names else _matches(WORKER_PATTERN)
    if isinstance(kind, (DateType, DateTimeType)):
        text = [f for f in kind.forms if f != "serial"]
        parts = ([f"ISNUMBER({C})"] if "serial" in kind.forms else []) + ([_matches(text_pattern(text))] if text else [])
        return f"OR({','.join(parts)})"
    if isinstance(kind, OneOfType):
        return "OR(" + ",".join(f'TO_TEXT({C})="{v}"' for v in kind.values) + ")"
    assert isinstance(kind, TextType)
    return None


def describe(rule: ColumnRule) -> str:
    """The rule in words, for the cell's input message."""
    kind = rule.type
    if isinstance(kind, IntegerType):
        bounds = [f"≥ {kind.minimum}"] * (kind.minimum is not None) + [f"≤ {kind.maximum}"] * (kind.maximum is not None)
        return "an integer" + (" " + " and ".join(bounds) if bounds else "")
    if isinstance(kind, WorkerType):
        return "a worker INICIALES(ID), such as MR(93)"
    if isinstance(kind, (DateType, DateTimeType)):
        return "a date" + (" and time" if isinstance(kind, DateTimeType) else "") + ": " + ", ".join(
            "a date cell" if f == "serial" else f for f in kind.forms)
    if isinstance(kind, OneOfType):
        return "one of " + ", ".join(kind.values)
    return "text"


def validation_rule(rule: ColumnRule) -> dict[str, Any] | None:
    """The Sheets `DataValidationRule` for a column (its formula written for the cell VALIDATION_CELL), or None."""
    check = _check(rule)
    if check is None:
        return None
    return {"condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": f"=OR(ISBLANK({C}),{check})"}]},
            # Warning only: the backend writes through the API, which validation never blocks anyway.
            "strict": False, "inputMessage": f"zeues-migrate column contract: {describe(rule)}"}
