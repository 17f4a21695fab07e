"""Preflight: read-only checks before anything changes. Every error finding blocks the change."""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.contract.limits import MAX_COLUMNS
from orchestrator.domain.columns import ColumnMap, HeaderError, column_letter
from orchestrator.engine.budget import CellBudget, apply_budgets
from orchestrator.engine.findings import Finding
from orchestrator.engine.state import LiveState, find_column
from orchestrator.migrations.spec import AddColumns, Migration, RegisterEventTypes, version_key

CELL_WARNING = 0.9  # share of the cell limit above which a change warns
PLAN_AGAIN = "; nothing was changed — fix the sheet, then run `zeues-migrate plan` again"


def check_apply(state: LiveState, migration: Migration, earlier: Sequence[Migration] = (), *,
                backed_up: bool = False) -> list[Finding]:
    """Can `migration` be applied to this spreadsheet now? The cell budget counts the `earlier` pending ones
    first, and no backup when the run `backed_up` already."""
    findings: list[Finding] = []

    def error(code: str, message: str) -> None:
        findings.append(Finding(level="error", code=code, message=message))

    applied = {row.migration_id: row for row in state.applied()}
    if migration.id in applied:
        recorded = applied[migration.id].checksum
        if recorded != migration.checksum:
            error("CHECKSUM", f"migration {migration.id} was applied with checksum {recorded}, but its file now has "
                              f"{migration.checksum}: an applied migration must not change — restore the file and "
                              "write a new migration for the change")
        else:
            findings.append(Finding(level="info", code="ALREADY_APPLIED",
                                    message=f"migration {migration.id} is already applied; nothing to do"))
        return findings
    later = [m for m in applied if version_key(m) > migration.sort_key]
    if later:
        error("ORDER", f"migration {', '.join(later)} is applied and comes after {migration.id}; migrations apply in "
                       "version order")
    if state.hold:
        error("HOLD", f"migrations are paused on this sheet (by {state.hold.get('by')} at {state.hold.get('at')}"
                      f"{': ' + str(state.hold.get('reason')) if state.hold.get('reason') else ''}); release the "
                      "hold with `zeues-migrate hold --release` or the menu's Resume migrations")
    failure = state.unresolved_failure()
    if failure:
        error("BLOCKED", f"an earlier {failure.action} ({failure.operation_id}) is recorded as {failure.status}; "
                         f"inspect it with `zeues-migrate history`, then `zeues-migrate resolve`")
    for op in migration.operations:
        sheet = state.sheet(op.sheet)
        if sheet is None:
            error("NOT_FOUND", f"sheet {op.sheet!r} not found in {state.title!r} (sheets: "
                               f"{', '.join(s.title for s in state.sheets)}): migration {migration.id} needs it; if it "
                               f"was renamed, rename it back to {op.sheet!r}{PLAN_AGAIN}")
            continue
        try:
            columns = ColumnMap(sheet.header)
        except HeaderError as exc:
            error("CONFLICT", f"{op.sheet}: {exc}{PLAN_AGAIN}")
            continue
        blanks = columns.blank_between_names()
        if blanks:
            error("CONFLICT", f"{op.sheet} has blank header cells between named columns at "
                              f"{', '.join(column_letter(i) for i in blanks)}; name or delete those columns"
                              f"{PLAN_AGAIN}")
        if isinstance(op, AddColumns):
            if op.key_column not in columns:
                error("NOT_FOUND", f"key column {op.key_column!r} not found in the {op.sheet} header: name the "
                                   f"column that identifies each row {op.key_column!r}{PLAN_AGAIN}")
            for column in op.columns:
                at = find_column(sheet.header, column.name)
                if at is not None:
                    error("CONFLICT", f"{op.sheet} already has a column {sheet.header[at]!r} at {column_letter(at)}, "
                                      f"which matches the new column {column.name!r} (case, accents, spaces and "
                                      f"underscores ignored); rename or remove it{PLAN_AGAIN}")
            if sheet.column_count + len(op.columns) > MAX_COLUMNS:
                error("CELL_LIMIT", f"{op.sheet} has {sheet.column_count:,} columns; adding {len(op.columns)} would "
                                    f"pass Google's limit of {MAX_COLUMNS:,} columns per sheet: delete unused empty "
                                    f"columns at the right of the header{PLAN_AGAIN}")
        elif isinstance(op, RegisterEventTypes):
            if op.column not in columns:
                error("NOT_FOUND", f"column {op.column!r} not found in the {op.sheet} header{PLAN_AGAIN}")
            registered = set(state.event_types or [])
            for event_type in op.event_types:
                if event_type in registered:
                    error("CONFLICT", f"event type {event_type} is already registered on this sheet")
    budget = apply_budgets(state, [*earlier, migration], backed_up=backed_up)[-1]
    findings.extend(check_budget(state, budget, f"applying {migration.id}"))
    return findings


def check_budget(state: LiveState, budget: CellBudget, change: str, again: str = PLAN_AGAIN) -> list[Finding]:
    """A CELL_LIMIT error when the run would take the workbook over Google's limit at any point, a warning near
    it. `change` says what would ("applying 3.0"), `again` what to do after the fix."""
    if budget.over:
        return [Finding(level="error", code="CELL_LIMIT", message=(
            f"{change} would bring {state.title!r} from {budget.before:,} to {budget.peak:,} cells "
            f"({budget.parts()}), over Google's "
            f"limit of {budget.limit:,} (the grid counts, not the data; the history sheet the change is recorded in "
            f"too): delete unused empty rows or columns first{again}"))]
    if budget.peak > budget.limit * CELL_WARNING:
        return [Finding(level="warning", code="CELL_BUDGET", message=(
            f"{change} leaves the workbook with {budget.after:,} of {budget.limit:,} cells: close to the limit"))]
    return []


def new_column_positions(state: LiveState, migration: Migration) -> list[tuple[str, str, int]]:
    """(sheet, column name, 0-based index) of every column the migration would add, in order."""
    out: list[tuple[str, str, int]] = []
    for op in migration.operations:
        sheet = state.sheet(op.sheet)
        if isinstance(op, AddColumns) and sheet is not None:
            # Not ColumnMap: a header it refuses (duplicates) still has a last column, and the plan must show
            # the refusal, not crash on it.
            start = max((i for i, h in enumerate(sheet.header) if h.strip()), default=-1) + 1
            out.extend((op.sheet, c.name, start + j) for j, c in enumerate(op.columns))
    return out

