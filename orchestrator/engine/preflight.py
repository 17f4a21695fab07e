"""Preflight: read-only checks before anything changes. Every error finding blocks the change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from orchestrator.contract.errors import ErrorCode
from orchestrator.contract.limits import MAX_COLUMNS
from orchestrator.contract.metadata import MetaKey
from orchestrator.contract.sheets import HISTORY_SHEET
from orchestrator.domain.columns import ColumnMap, HeaderError, column_letter, normalize_header
from orchestrator.engine.budget import CellBudget, apply_budgets
from orchestrator.engine.findings import Finding
from orchestrator.engine.state import LiveState, find_column
from orchestrator.migrations import load_migrations
from orchestrator.migrations.spec import AddColumns, Migration, RegisterEventTypes, version_key

CELL_WARNING = 0.9  # share of the cell limit above which a change warns
PLAN_AGAIN = "; nothing was changed — fix the sheet, then run `zeues-migrate plan` again"
REPAIR = "run `zeues-migrate repair` to record what the sheet shows"
BY_HAND = ("put back what is missing by hand (a backup has it: `zeues-migrate backups`) or restore a backup "
           "(`zeues-migrate restore`)")


# -- the live structure against the history (the bridge's rules: appsscript/Structure.js) -----------------------

@dataclass
class LiveMigration:
    """What the sheet shows of one migration: `applied` (every column tagged with its name and the migration, its
    header reading that name; every event type registered on a sheet and column that exist), `absent` (no trace)
    or `partial`."""

    state: Literal["applied", "absent", "partial"]
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    events_missing: bool = False
    # A column under one of its names without its tag: a human's column of that name (apply refuses it as a
    # CONFLICT), or — when the history records the migration — one whose tag was deleted (`half_if_recorded`).
    untagged_by_name: bool = False

    def half_if_recorded(self, recorded: bool) -> LiveMigration:
        if recorded and self.state == "absent" and self.untagged_by_name:
            return LiveMigration("partial", self.present, self.missing, self.events_missing, True)
        return self


def live_migration(state: LiveState, migration: Migration) -> LiveMigration:
    present: list[str] = []
    missing: list[str] = []
    events_missing = False
    trace = untagged = False
    registry = set(state.event_types or [])
    tagged = [t for t in state.tags if t.migration == migration.id]
    present += [f"{t.sheet} column {column_letter(t.column)} tagged {migration.id}" for t in tagged]
    for op in migration.operations:
        sheet = state.sheet(op.sheet)
        if isinstance(op, AddColumns):
            for column in op.columns:
                where = f"{op.sheet} column {column.name!r}"
                tag = next((t for t in tagged if t.sheet == op.sheet and t.name == column.name), None)
                if sheet is None:
                    missing.append(f"sheet {op.sheet!r} (for {where}) is gone")
                elif tag is None:
                    at = find_column(sheet.header, column.name)
                    untagged = untagged or at is not None
                    missing.append(f"{where} at {column_letter(at)} has no {migration.id} tag" if at is not None
                                   else f"{where} is not on the sheet")
                else:
                    header = sheet.header[tag.column] if tag.column < len(sheet.header) else ""
                    if normalize_header(header) != normalize_header(column.name):
                        missing.append(f"{op.sheet} column {column_letter(tag.column)} is tagged {column.name!r} but "
                                       f"its header reads {header!r}")
        elif isinstance(op, RegisterEventTypes):
            if sheet is None:
                missing.append(f"sheet {op.sheet!r}, whose column {op.column} carries the event types, is gone")
                events_missing = True
            elif find_column(sheet.header, op.column) is None:
                missing.append(f"column {op.column!r} of {op.sheet}, which carries the event types, is gone")
                events_missing = True
            for event_type in op.event_types:
                if event_type in registry:
                    present.append(f"event type {event_type} registered")
                    trace = True
                else:
                    missing.append(f"event type {event_type} is not registered")
                    events_missing = True
    trace = trace or bool(tagged)
    verdict: Literal["applied", "absent", "partial"] = "applied" if not missing else "partial" if trace else "absent"
    return LiveMigration(verdict, present, missing, events_missing, untagged)


def known_migrations(*given: Migration, folder: Sequence[Migration] | None = None) -> list[Migration]:
    """The migrations judged: the packaged ones (or `folder`) and `given`, by id (`given` winning), in version
    order."""
    by_id = {m.id: m for m in (load_migrations() if folder is None else folder)}
    by_id.update({m.id: m for m in given})
    return sorted(by_id.values(), key=lambda m: m.sort_key)


def check_consistency(state: LiveState, known: Sequence[Migration], *,
                      rolling_back: str | None = None) -> list[Finding]:
    """INCONSISTENT errors where the history and the live structure disagree: a migration recorded as applied
    with no trace on the sheet (a forged row), one on the sheet the history lacks (a lost history), one half
    there, or a schema version that is not the last applied migration. `rolling_back`: a column of that migration
    that lost its tag or name is left to the rollback's own check (CONFLICT, naming the column)."""
    findings: list[Finding] = []
    applied = state.applied()
    recorded = {r.migration_id: r for r in applied}
    for migration in known:
        row = recorded.get(migration.id)
        live = live_migration(state, migration).half_if_recorded(row is not None)
        text = ""
        if row is not None and live.state == "absent":
            text = (f"the history records {migration.id} as applied (operation {row.operation_id}, by "
                    f"{row.who or 'unknown'} at {row.finished_at}) but the sheet has none of its columns or event "
                    f"types (a history row written by hand, or the change undone by hand); {REPAIR}")
        elif row is None and live.state == "applied":
            text = (f"the sheet has {migration.id}'s columns and event types but the history does not record it as "
                    f"applied (the {HISTORY_SHEET} sheet was deleted or edited by hand?); {REPAIR}")
        elif live.state == "partial" and not (migration.id == rolling_back and not live.events_missing):
            shown = live.missing + ([] if row else live.present)
            text = (f"{migration.id} is {'recorded' if row else 'not recorded'} as applied but the sheet is half of "
                    f"it: {'; '.join(shown)}; {BY_HAND}")
        if text:
            findings.append(Finding(level="error", code=ErrorCode.INCONSISTENT, message=text + "; nothing was changed"))
    last = applied[-1].migration_id if applied else None
    if not findings and state.schema_version != last:
        was = "missing" if state.schema_version is None else repr(state.schema_version)
        findings.append(Finding(level="error", code=ErrorCode.INCONSISTENT, message=(
            f"the schema version ({MetaKey.SCHEMA_VERSION}) is {was} but the history and the columns show "
            f"{last + ' applied' if last else 'no migration applied'}; {REPAIR}; nothing was changed")))
    return findings


def check_apply(state: LiveState, migration: Migration, earlier: Sequence[Migration] = (), *,
                backed_up: bool = False, known: Sequence[Migration] | None = None) -> list[Finding]:
    """Can `migration` be applied to this spreadsheet now? The cell budget counts the `earlier` pending ones
    first, and no backup when the run `backed_up` already. The history must agree with the live structure
    (`known`: the migrations to judge it by, the packaged ones by default) before "already applied" is believed."""
    findings: list[Finding] = []

    def error(code: str, message: str) -> None:
        findings.append(Finding(level="error", code=code, message=message))

    inconsistent = check_consistency(state, known_migrations(migration, *earlier, folder=known))
    if inconsistent:
        return inconsistent
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
        tampered = (" — its zeues.hold metadata was deleted by hand, but the history still records it, so it still "
                    "holds" if state.hold_tampered else "")
        error("HOLD", f"migrations are paused on this sheet (by {state.hold.get('by')} at {state.hold.get('at')}"
                      f"{': ' + str(state.hold.get('reason')) if state.hold.get('reason') else ''}){tampered}; "
                      "release the hold with `zeues-migrate hold --release` or the menu's Resume migrations")
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

