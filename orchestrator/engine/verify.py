"""Independent verification through the Sheets API, on every row: the bridge's word is not evidence.

After an apply: the old headers keep their names and positions; the new columns stand once, at the end,
tagged, with their defaults; rows and keys are where they were; every old cell equals the snapshot; the
event types are registered; the history records the apply. A cell a concurrent writer changed meanwhile is
listed with its key, column, before and after — never silently ignored, and not a failure of the migration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import zip_longest
from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.contract.sheets import ARCHIVE_ROW_AT, ARCHIVE_SHEET_AT, ARCHIVE_VALUES_AT
from orchestrator.domain.cells import CellValue, parse_int
from orchestrator.domain.columns import column_letter
from orchestrator.domain.contract import SheetChecker, SheetContract, Violation
from orchestrator.engine.snapshot import CellChange, SheetSnapshot, compare, spilled_rows
from orchestrator.engine.state import LiveState, find_column, read_live_state
from orchestrator.google.sheets import SheetsReader
from orchestrator.migrations import schema_contracts
from orchestrator.migrations.spec import AddColumns, Baseline, ColumnSpec, Migration

MAX_LISTED = 1000
Row = list[CellValue]
Status = Literal["passed", "passed_with_concurrent_changes", "violations", "failed"]


class Check(BaseModel):
    name: str
    ok: bool
    detail: str = ""


class VerifyReport(BaseModel):
    status: Status  # "violations": every check passed, but cells break their column contracts
    checks: list[Check]
    rows_checked: int = 0
    cells_checked: int = 0
    concurrent_changes: list[CellChange] = Field(default_factory=list)
    concurrent_changes_total: int = 0
    violations: list[Violation] = Field(default_factory=list)  # the first `--max-violations`
    violations_total: int = 0

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def report_of(checks: list[Check], rows: int, cells: int, changes: list[CellChange],
              violations: list[Violation] | None = None, violations_total: int = 0) -> VerifyReport:
    status: Status = ("failed" if any(not c.ok for c in checks) else "violations" if violations_total else
                      "passed_with_concurrent_changes" if changes else "passed")
    return VerifyReport(status=status, checks=checks, rows_checked=rows, cells_checked=cells,
                        concurrent_changes=changes[:MAX_LISTED], concurrent_changes_total=len(changes),
                        violations=violations or [], violations_total=violations_total)


def expected_registry(baseline: Baseline, applied: list[Migration]) -> list[str] | None:
    registry = list(baseline.event_types)
    touched = False
    for migration in applied:
        for event_type in migration.registered_event_types():
            touched = True
            registry.append(event_type)
    return registry if touched else None


class _DefaultsCheck:
    """Passes chunks through while checking the new columns' cells against their defaults."""

    def __init__(self, columns: list[ColumnSpec], start: int, key_index: int) -> None:
        self.columns, self.start, self.key_index = columns, start, key_index
        self.wrong: list[str] = []
        self.wrong_total = 0
        self.rows = 0

    def watch(self, chunks: Iterable[list[Row]], first_row: int = 2) -> Iterator[list[Row]]:
        row_number = first_row
        for chunk in chunks:
            for cells in chunk:
                self._row(row_number, cells)
                row_number += 1
                self.rows += 1
            yield chunk

    def _row(self, row_number: int, cells: Row) -> None:
        key = cells[self.key_index] if self.key_index < len(cells) else ""
        keyed = key not in ("", None)
        data = any(c not in ("", None) for c in cells[:self.start])
        for j, spec in enumerate(self.columns):
            at = self.start + j
            value = cells[at] if at < len(cells) else ""
            wanted: Any = ""
            if spec.default is not None and (keyed if spec.default_on == "key_rows" else data):
                wanted = spec.default
            if value != wanted and not (value in ("", None) and wanted in ("", None)):
                self.wrong_total += 1
                if len(self.wrong) < 20:
                    self.wrong.append(f"row {row_number} ({key or 'no key'}) {spec.name}={value!r}, expected {wanted!r}")


def verify_apply(reader: SheetsReader, spreadsheet_id: str, migration: Migration, baseline: Baseline,
                 applied_before: list[Migration], snapshots: dict[str, SheetSnapshot]) -> VerifyReport:
    """Verify a finished apply against the snapshots taken before it (one per sheet the migration touched)."""
    state = read_live_state(reader, spreadsheet_id)
    checks: list[Check] = []
    changes: list[CellChange] = []
    rows = cells = 0
    for op in migration.operations:
        snapshot = snapshots.get(op.sheet)
        sheet = state.sheet(op.sheet)
        if sheet is None or snapshot is None:
            checks.append(Check(name=f"{op.sheet}: sheet present", ok=False, detail="sheet or snapshot missing"))
            continue
        width = snapshot.width
        header = sheet.header
        checks.append(Check(name=f"{op.sheet}: old header unchanged in names and positions",
                            ok=header[:width] == snapshot.header,
                            detail="" if header[:width] == snapshot.header else f"now {header[:width]}"))
        new: list[ColumnSpec] = op.columns if isinstance(op, AddColumns) else []
        names = [c.name for c in new]
        if new:
            at_end = header[width:] == names
            checks.append(Check(name=f"{op.sheet}: new columns once, at the end", ok=at_end,
                                detail=f"after the old header: {header[width:]}"))
            tagged = {(t.sheet, t.column, t.name, t.migration) for t in state.tags}
            missing = [n for j, n in enumerate(names) if (op.sheet, width + j, n, migration.id) not in tagged]
            checks.append(Check(name=f"{op.sheet}: new columns tagged", ok=not missing,
                                detail=f"untagged: {', '.join(missing)}" if missing else ""))
        defaults = _DefaultsCheck(new, width, snapshot.key_index)
        chunks = reader.iter_rows(spreadsheet_id, op.sheet, sheet.grid, width + len(new), 2)
        found, live_rows = compare(snapshot, defaults.watch(chunks))
        changes.extend(found)
        # Data rows, as verify_rollback counts them (the empty grid rows below the data are compared too).
        rows += live_rows
        cells += live_rows * (width + len(new))
        moved = [c for c in found if c.column == snapshot.header[snapshot.key_index]]
        checks.append(Check(name=f"{op.sheet}: rows and keys in place", ok=live_rows >= snapshot.data_rows,
                            detail=f"{live_rows} data rows now, {snapshot.data_rows} before; "
                                   f"{len(moved)} key cells changed concurrently"))
        if new:
            checks.append(Check(name=f"{op.sheet}: defaults of the new columns", ok=defaults.wrong_total == 0,
                                detail="; ".join(defaults.wrong) + (
                                    f" (and {defaults.wrong_total - len(defaults.wrong)} more)"
                                    if defaults.wrong_total > len(defaults.wrong) else "")))
    registry = expected_registry(baseline, [*applied_before, migration])
    checks.append(Check(name="event types registered", ok=state.event_types == registry,
                        detail=f"registry {state.event_types}, expected {registry}"))
    checks.append(Check(name="schema version", ok=state.schema_version == migration.id,
                        detail=f"{state.schema_version!r}, expected {migration.id!r}"))
    recorded = next((r for r in state.applied() if r.migration_id == migration.id), None)
    checks.append(Check(name="history records the apply",
                        ok=recorded is not None and recorded.checksum == migration.checksum,
                        detail="" if recorded else "no applied row in the history"))
    return report_of(checks, rows, cells, changes)


def verify_structure(state: LiveState, migrations: list[Migration], baseline: Baseline) -> VerifyReport:
    """Verify a live sheet on its own (no snapshot): what the history says is applied is really there."""
    checks: list[Check] = []
    by_id = {m.id: m for m in migrations}
    applied = applied_of(state, migrations)
    unknown = [r.migration_id for r in state.applied() if r.migration_id not in by_id]
    checks.append(Check(name="applied migrations are known", ok=not unknown,
                        detail=f"not in this tool's migrations: {', '.join(unknown)}" if unknown else ""))
    for row in state.applied():
        if row.migration_id in by_id and row.checksum != by_id[row.migration_id].checksum:
            checks.append(Check(name=f"{row.migration_id}: checksum", ok=False,
                                detail=f"applied {row.checksum}, file has {by_id[row.migration_id].checksum}"))
    for migration in applied:
        for op in migration.operations:
            if not isinstance(op, AddColumns):
                continue
            sheet = state.sheet(op.sheet)
            header = sheet.header if sheet else []
            for spec in op.columns:
                at = find_column(header, spec.name)
                tag = next((t for t in state.tags if t.sheet == op.sheet and t.name == spec.name), None)
                ok = at is not None and tag is not None and tag.column == at and tag.migration == migration.id
                checks.append(Check(name=f"{op.sheet}: {spec.name} present and tagged", ok=ok,
                                    detail="" if ok else f"header at {column_letter(at) if at is not None else 'none'}"
                                                         f", tag {tag.column if tag else 'none'}"))
    registry = expected_registry(baseline, applied)
    checks.append(Check(name="event types registered", ok=state.event_types == registry,
                        detail=f"registry {state.event_types}, expected {registry}"))
    latest = applied[-1].id if applied else None
    checks.append(Check(name="schema version", ok=state.schema_version == latest,
                        detail=f"{state.schema_version!r}, expected {latest!r}"))
    return report_of(checks, 0, 0, [])


def applied_of(state: LiveState, migrations: list[Migration]) -> list[Migration]:
    """The migrations the live history records as applied that this tool knows, in the history's order."""
    by_id = {m.id: m for m in migrations}
    return [by_id[r.migration_id] for r in state.applied() if r.migration_id in by_id]


class ContractCheck(BaseModel):
    """Every row of the declared columns checked against their contracts (domain/contract.py)."""

    checks: list[Check]
    rows_checked: int
    cells_checked: int
    violations: list[Violation]
    violations_total: int


def verify_contracts(reader: SheetsReader, spreadsheet_id: str, state: LiveState, contracts: list[SheetContract],
                     max_violations: int = MAX_LISTED) -> ContractCheck:
    """Read every row of every sheet a contract covers (one chunked pass, UNFORMATTED_VALUE so a date cell is its
    serial) and check each declared cell; list the first `max_violations` violations, count them all."""
    checks: list[Check] = []
    listed: list[Violation] = []
    total = rows = cells = 0
    for contract in contracts:
        sheet = state.sheet(contract.sheet)
        if sheet is None:
            checks.append(Check(name=f"{contract.sheet}: sheet of the column contracts present", ok=False))
            continue
        checker = SheetChecker(contract, sheet.header)
        checks.append(Check(name=f"{contract.sheet}: columns of the contracts present", ok=not checker.missing,
                            detail=f"missing: {', '.join(checker.missing)}" if checker.missing else ""))
        chunks = reader.iter_rows(spreadsheet_id, contract.sheet, sheet.grid, checker.width, 2,
                                  render="UNFORMATTED_VALUE")
        row_number = 2
        for chunk in chunks:
            for cells_of_row in chunk:
                checked = checker.check(row_number, cells_of_row)
                row_number += 1
                if checked is None:
                    continue
                total += len(checked.violations)
                listed.extend(checked.violations[:max(max_violations - len(listed), 0)])
        rows += checker.rows_checked
        cells += checker.cells_checked
    return ContractCheck(checks=checks, rows_checked=rows, cells_checked=cells, violations=listed,
                         violations_total=total)


def verify_sheet(reader: SheetsReader, spreadsheet_id: str, migrations: list[Migration], baseline: Baseline,
                 max_violations: int = MAX_LISTED) -> VerifyReport:
    """`verify`: the structure the history promises (verify_structure) and every declared cell of the baseline's
    and the applied migrations' column contracts."""
    state = read_live_state(reader, spreadsheet_id)
    structure = verify_structure(state, migrations, baseline)
    data = verify_contracts(reader, spreadsheet_id, state,
                            schema_contracts(baseline, applied_of(state, migrations)), max_violations)
    return report_of(structure.checks + data.checks, data.rows_checked, data.cells_checked, [], data.violations,
                     data.violations_total)


def _padded(values: Row, width: int) -> Row:
    cells: Row = [c if c is not None else "" for c in values]
    return (cells + [""] * width)[:width]


def verify_rollback(reader: SheetsReader, spreadsheet_id: str, migration_id: str, baseline: Baseline,
                    still_applied: list[Migration], snapshots: dict[str, SheetSnapshot], widths: dict[str, int],
                    archive_sheet: str) -> VerifyReport:
    """Verify a finished rollback: the header is the pre-migration header, every old cell equals the
    pre-rollback snapshot, and the archive holds exactly what the removed columns held."""
    state = read_live_state(reader, spreadsheet_id)
    checks: list[Check] = []
    changes: list[CellChange] = []
    rows = cells = 0
    archive = state.sheet(archive_sheet)
    checks.append(Check(name="archive sheet present", ok=archive is not None, detail=archive_sheet))
    for title, snapshot in snapshots.items():
        width = widths[title]
        sheet = state.sheet(title)
        header = sheet.header if sheet else []
        checks.append(Check(name=f"{title}: header is the pre-migration header", ok=header == snapshot.header[:width],
                            detail="" if header == snapshot.header[:width] else f"now {header[width:]} after it"))
        # A sheet that is gone has no row to read: its snapshot rows all come out as vanished.
        chunks = reader.iter_rows(spreadsheet_id, title, sheet.grid, width, 2) if sheet else iter(())
        found, live_rows = compare(snapshot, chunks, width=width)
        changes.extend(found)
        rows += live_rows
        cells += live_rows * width
        # Stream the snapshot's removed columns against the archive, both in row order (memory: one chunk).
        pad = snapshot.width - width
        expected = ((n, _padded(r[width:], pad)) for n, _, r in spilled_rows(snapshot)
                    if any(c not in ("", None) for c in r[width:]))
        archived = (reader.iter_rows(spreadsheet_id, archive_sheet, archive.grid, archive.column_count, 2)
                    if archive is not None else iter(()))
        got = ((parse_int(r[ARCHIVE_ROW_AT]) or 0, _padded(r[ARCHIVE_VALUES_AT:], pad)) for chunk in archived
               for r in chunk if len(r) > ARCHIVE_SHEET_AT and str(r[ARCHIVE_SHEET_AT]) == title)
        same, held, kept = True, 0, 0
        for want, have in zip_longest(expected, got):
            held, kept = held + (want is not None), kept + (have is not None)
            same = same and want == have
        checks.append(Check(name=f"{title}: archive holds exactly the removed columns' values", ok=same,
                            detail=f"{kept} archived rows, {held} rows held values"))
    gone = [t for t in state.tags if t.migration == migration_id]
    checks.append(Check(name="column tags removed", ok=not gone, detail=", ".join(t.name for t in gone)))
    registry = expected_registry(baseline, still_applied)
    checks.append(Check(name="event types as before the migration", ok=state.event_types == registry,
                        detail=f"registry {state.event_types}, expected {registry}"))
    version = still_applied[-1].id if still_applied else None
    checks.append(Check(name="schema version restored", ok=state.schema_version == version,
                        detail=f"{state.schema_version!r}, expected {version!r}"))
    rolled = [r for r in state.history if r.migration_id == migration_id and r.action == "rollback"]
    checks.append(Check(name="history records the rollback", ok=bool(rolled) and rolled[-1].status == "rolled_back"))
    return report_of(checks, rows, cells, changes)
