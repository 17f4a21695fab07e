"""Independent verification through the Sheets API, on every row: the bridge's word is not evidence.

After an apply: the old headers keep their names and positions; the new columns stand once, right after them,
tagged, with their defaults; every old row is still there; every old cell equals the snapshot's, row by row
key (a sort is no change); the event types are registered; the history records the apply. A cell a concurrent
writer changed meanwhile is listed with its sheet, row, key, column, before and after — never silently ignored,
and not a failure of the migration; a column someone else added is named in the notes, not a failure.
After a rollback the same holds of the header without the removed columns (found by tag, wherever they were) and
of the archive, compared by key. A backup is proven cell by cell (`prove_copy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from orchestrator.contract.limits import MAX_LISTED
from orchestrator.contract.sheets import ARCHIVE_COLUMNS, ARCHIVE_KEY_AT, ARCHIVE_ROW_AT, ARCHIVE_SHEET_AT
from orchestrator.domain.cells import CellValue, parse_int
from orchestrator.domain.columns import column_letter
from orchestrator.domain.contract import SheetChecker, SheetContract, Violation
from orchestrator.engine.snapshot import (
    CellChange,
    SheetSnapshot,
    SpillRow,
    cell_changes,
    column_positions,
    compare,
    pair_rows,
    same_cell,
    spilled_rows,
)
from orchestrator.engine.state import LiveState, SheetInfo, find_column, read_live_state
from orchestrator.google.sheets import SheetRange, SheetsReader
from orchestrator.migrations import schema_contracts
from orchestrator.migrations.spec import AddColumns, Baseline, ColumnSpec, Migration, Operation

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
    notes: list[str] = Field(default_factory=list)  # what was found and is not a failure (columns others added)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def report_of(checks: list[Check], rows: int, cells: int, changes: list[CellChange],
              violations: list[Violation] | None = None, violations_total: int = 0,
              notes: list[str] | None = None) -> VerifyReport:
    status: Status = ("failed" if any(not c.ok for c in checks) else "violations" if violations_total else
                      "passed_with_concurrent_changes" if changes else "passed")
    return VerifyReport(status=status, checks=checks, rows_checked=rows, cells_checked=cells,
                        concurrent_changes=changes[:MAX_LISTED], concurrent_changes_total=len(changes),
                        violations=violations or [], violations_total=violations_total, notes=notes or [])


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
    notes: list[str] = []
    rows = cells = 0
    # The header checks first, then every sheet's rows in one stream of reads (Operaciones and Metadata together).
    found_sheets: list[tuple[Operation, SheetSnapshot, list[ColumnSpec], int, SheetInfo]] = []
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
        # Where the new columns start: after the old header, and after any named column someone appended to it
        # after the snapshot (the bridge puts them after the last named header column it sees).
        start = next((i for i in range(width, len(header)) if find_column(names, header[i]) is not None), width)
        if new:
            # A column someone added before or after the new ones is theirs: named, not a failure (unless it
            # repeats a new column or has no name).
            between, others = header[width:start], header[start + len(names):]
            at_end = header[start:start + len(names)] == names and all(find_column(names, h) is None for h in others)
            checks.append(Check(name=f"{op.sheet}: new columns once, at the end", ok=at_end and all(between),
                                detail=f"after the old header: {header[width:]}"))
            notes += [f"{op.sheet}: column {h!r} at {column_letter(at)} was added by someone else; left as it is"
                      for at, h in [*enumerate(between, width), *enumerate(others, start + len(names))] if h]
            tagged = {(t.sheet, t.column, t.name, t.migration) for t in state.tags}
            missing = [n for j, n in enumerate(names) if (op.sheet, start + j, n, migration.id) not in tagged]
            checks.append(Check(name=f"{op.sheet}: new columns tagged", ok=not missing,
                                detail=f"untagged: {', '.join(missing)}" if missing else ""))
        found_sheets.append((op, snapshot, new, start, sheet))
    parts = reader.read_sheets(spreadsheet_id, [
        SheetRange(sheet=op.sheet, grid=sheet.grid, columns=start + len(new), row_bytes=sheet.row_bytes)
        for op, _, new, start, sheet in found_sheets])
    for (op, snapshot, new, start, _), part in zip(found_sheets, parts):
        defaults = _DefaultsCheck(new, start, snapshot.key_index)
        found, live_rows = compare(snapshot, defaults.watch(part))
        changes.extend(found)
        # Data rows, as verify_rollback counts them (the empty grid rows below the data are compared too).
        rows += live_rows
        cells += live_rows * (start + len(new))
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
    return report_of(checks, rows, cells, changes, notes=notes)


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


def _cell(values: Row, at: int | None) -> CellValue:
    value = values[at] if at is not None and at < len(values) else ""
    return "" if value is None else value


def _listed(wrong: list[str], total: int) -> str:
    return "; ".join(wrong) + (f" (and {total - len(wrong)} more)" if total > len(wrong) else "")


def verify_rollback(reader: SheetsReader, spreadsheet_id: str, migration_id: str, baseline: Baseline,
                    still_applied: list[Migration], snapshots: dict[str, SheetSnapshot], widths: dict[str, int],
                    archive_sheet: str, removed: dict[str, list[int]] | None = None,
                    typed: list[Any] | None = None) -> VerifyReport:
    """Verify a finished rollback: the header is the pre-rollback header without the removed columns, every
    other cell equals the pre-rollback snapshot, and the archive holds exactly what the removed columns held.

    `removed`: per sheet, where the removed columns stood in its snapshot's header (found by their tags, wherever
    they were); a sheet without (an older checkpoint) had them from `widths[sheet]` to its end. A sheet the
    rollback does not cut (Metadata, whose registry it changes) is compared whole. Cells and archive rows are
    compared by key, not by position: a sort in between is no change, and neither is a column someone added.
    `typed`: the bridge's `typedDuringRollback` ({sheet, key, column, value}): an archived value that is not the
    snapshot's passes as a concurrent change only when the bridge reported it so.
    """
    typed_in: dict[str, set[tuple[str, str, Any]]] = {}
    for t in typed or []:
        if isinstance(t, dict) and isinstance(t.get("value"), (str, int, float, bool)):
            typed_in.setdefault(str(t.get("sheet")), set()).add(
                (str(t.get("key", "")).strip(), str(t.get("column")), t["value"]))
    state = read_live_state(reader, spreadsheet_id)
    checks: list[Check] = []
    changes: list[CellChange] = []
    notes: list[str] = []
    rows = cells = 0
    archive = state.sheet(archive_sheet)
    checks.append(Check(name="archive sheet present", ok=archive is not None, detail=archive_sheet))
    cuts = {title: sorted((removed or {}).get(title, range(widths.get(title, snapshot.width), snapshot.width)))
            for title, snapshot in snapshots.items()}
    # Every sheet's rows and the archive's in one stream of reads, in the order they are compared.
    reads: list[SheetRange] = []
    for title in snapshots:
        sheet = state.sheet(title)
        if sheet is not None:
            reads.append(SheetRange(sheet=title, grid=sheet.grid, columns=len(sheet.header), row_bytes=sheet.row_bytes))
        if cuts[title] and archive is not None:
            reads.append(SheetRange(sheet=archive_sheet, grid=archive.grid, columns=archive.column_count,
                                    row_bytes=archive.row_bytes))
    parts = iter(reader.read_sheets(spreadsheet_id, reads))
    for title, snapshot in snapshots.items():
        cut = cuts[title]
        kept = [i for i in range(snapshot.width) if i not in cut]
        names = [snapshot.header[i] for i in kept]
        sheet = state.sheet(title)
        header = sheet.header if sheet else []
        at = column_positions(names, header)
        left = [snapshot.header[i] for i in cut if find_column(header, snapshot.header[i]) is not None]
        placed = None not in at and at == sorted(p for p in at if p is not None)
        checks.append(Check(name=f"{title}: header is the pre-migration header", ok=placed and not left,
                            detail="" if placed and not left else
                            f"now {header}; expected {names} in this order, without {left or 'the removed columns'}"))
        if cut:
            after = [snapshot.header[i] for i in kept if i > cut[0]]
            notes += [f"{title}: column {h!r} was added by someone else after the migration's columns; kept" for h in after]
        notes += [f"{title}: column {h!r} at {column_letter(j)} was added by someone else during the rollback; "
                  "left as it is" for j, h in enumerate(header) if h and j not in at]
        # A sheet that is gone has no row to read: its snapshot rows all come out as vanished.
        chunks = next(parts) if sheet else iter(())
        found, live_rows = compare(snapshot, chunks, columns=kept,
                                   live_columns=at if placed else list(range(len(kept))))
        changes.extend(found)
        rows += live_rows
        cells += live_rows * len(kept)
        if not cut:
            continue
        # The removed columns' values, by row key, against the archive's rows of this sheet, by their key.
        arch_header = archive.header if archive is not None else []
        arch_at = column_positions([snapshot.header[i] for i in cut], arch_header)
        held: Iterator[SpillRow] = ((n, k, _values([r[i] if i < len(r) else "" for i in cut]))
                                    for n, k, r in spilled_rows(snapshot))
        archived = next(parts) if archive is not None else iter(())
        got: Iterator[SpillRow] = ((parse_int(r[ARCHIVE_ROW_AT]) or 0, str(_cell(r, ARCHIVE_KEY_AT)).strip(),
                                    _values([_cell(r, a) for a in arch_at])) for chunk in archived for r in chunk
                                   if str(_cell(r, ARCHIVE_SHEET_AT)) == title)
        differ = []
        for w, h in pair_rows(held, got):
            late = cell_changes(title, [snapshot.header[i] for i in cut], w, h)
            if h is not None and late and all((c.key, c.column, c.after) in typed_in.get(title, set()) for c in late):
                changes.extend(late)  # typed while the rollback ran: archived, and reported by the bridge
            else:
                differ.append((w, h))
        wrong = [f"{(w or h or (0, ''))[1] or 'no key'}: held {w[2] if w else []}, archived {h[2] if h else []}"
                 for w, h in differ[:5]]
        checks.append(Check(name=f"{title}: archive holds exactly the removed columns' values",
                            ok=not differ and None not in arch_at,
                            detail=f"archive header {arch_header[len(ARCHIVE_COLUMNS):]}; " + (
                                _listed(wrong, len(differ)) if differ else "every archived row as held")))
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
    return report_of(checks, rows, cells, changes, notes=notes)


def _values(cells: Row) -> Row:
    """Archived or held values as compared: empty and None alike, trailing empties dropped."""
    row: Row = ["" if c is None else c for c in cells]
    while row and row[-1] == "":
        row.pop()
    return row


class CopyDifference(BaseModel):
    """A backup cell that equals neither the snapshot's value nor the live sheet's read right after the copy."""

    sheet: str
    row: int  # in the backup, or in the snapshot for a row the backup lacks
    key: str
    column: str
    snapshot: Any
    live: Any
    backup: Any


def prove_copy(snapshot: SheetSnapshot, live: SheetSnapshot, copy: SheetSnapshot) -> tuple[list[CopyDifference], int]:
    """The backup `copy` proven against the `snapshot` taken before it and the `live` sheet read right after it
    (all three with the snapshot's header): every copy cell must equal one of the two — a write made between
    the snapshot and the copy is in the copy and the live sheet, one made after the copy in neither the copy nor
    the snapshot, a damaged copy in neither. Returns the cells that are not (the first MAX_LISTED) and how many
    cells differ from the snapshot (the concurrent writes). Rows pair by key (`pair_rows`)."""
    names = snapshot.header
    versus_snapshot = pair_rows(spilled_rows(snapshot), spilled_rows(copy))
    versus_live = pair_rows(spilled_rows(live), spilled_rows(copy))
    live_of = {now[0]: was for was, now in versus_live if now is not None}  # copy row -> the live row it pairs with
    live_gone: dict[str, list[SpillRow]] = {}
    for was, now in versus_live:
        if now is None and was is not None:
            live_gone.setdefault(was[1], []).append(was)
    bad: list[CopyDifference] = []
    concurrent = 0
    for was, now in versus_snapshot:
        concurrent += len(cell_changes(snapshot.sheet, names, was, now))
        if now is not None and now[0] not in live_of:
            continue  # the copy's row equals the live row
        if now is not None:
            other = live_of[now[0]]
        else:  # a snapshot row the copy lacks: fine if the live sheet lacks it too
            assert was is not None
            gone = live_gone.get(was[1])
            if not gone:
                continue
            other = gone.pop(0)
        row = now or was
        assert row is not None
        s_cells, l_cells, c_cells = (was[2] if was else []), (other[2] if other else []), (now[2] if now else [])
        s_row, l_row = (was[0] if was else row[0]), (other[0] if other else row[0])
        for i in range(max(len(s_cells), len(l_cells), len(c_cells))):
            s, l, c = (_cell(s_cells, i), _cell(l_cells, i), _cell(c_cells, i))
            if not same_cell(c, row[0], s, s_row) and not same_cell(c, row[0], l, l_row):
                bad.append(CopyDifference(sheet=snapshot.sheet, row=row[0], key=(was[1] if was else "") or row[1],
                                          column=names[i], snapshot=s, live=l, backup=c))
    return bad, concurrent
