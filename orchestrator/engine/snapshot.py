"""Streaming snapshots of a sheet's cells, and the cell-by-cell comparison against one.

Rows stream in chunks: each row's cells (FORMULA render, cut to the snapshot's width) go to a spill file on
disk and into a running digest, so taking a snapshot holds one chunk at a time whatever the sheet's size. The
spill file is what lets a verification name every changed cell with its sheet, row, key, value before and after,
not just say that a row's hash differs.

A comparison pairs rows by their key (TAG_SPOOL for Operaciones, the event `id` for Metadata), not by position:
humans sort the sheet. It holds the earlier side's rows in memory (production: about 2,600 × 63 cells) and
streams the later side. Keys that repeat or are blank follow one rule (`pair_rows`); formulas compare relative
to their row, so a formula a sort carried along (`=BH5+BI5` now `=BH9+BI9` in row 9) is the same formula.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from orchestrator.domain.cells import CellValue
from orchestrator.engine.private_files import open_private

Row = list[CellValue]
SpillRow = tuple[int, str, Row]  # (row number, key, cells) as a spill file holds a row


class SheetSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sheet: str
    header: list[str]
    width: int  # columns covered: the header as it was
    key_index: int
    data_rows: int  # rows 2.. up to the last row with any value in the covered columns
    keyed_rows: int  # rows with a key
    digest: str
    spill: str  # path of the JSON-lines file: [row number, key, cells...] per data row


class CellChange(BaseModel):
    """One cell that differs: where (sheet, the row it is in now — or was in, when its row is gone — and the row's
    key), which column, and its value before and after."""

    model_config = ConfigDict(frozen=True)

    sheet: str
    row: int
    key: str
    column: str
    before: Any
    after: Any


def _trim(cells: Row, width: int) -> Row:
    row = list(cells[:width])
    while row and (row[-1] is None or row[-1] == ""):
        row.pop()
    return row


def _key(cells: Row, key_index: int) -> str:
    value = cells[key_index] if key_index < len(cells) else ""
    return "" if value is None else str(value).strip()


def take_snapshot(sheet: str, header: list[str], key_index: int, chunks: Iterable[list[Row]], spill: Path,
                  *, first_row: int = 2) -> SheetSnapshot:
    """Stream `chunks` (data rows from `first_row`, in order) into `spill`; return the digest and counts."""
    width = len(header)
    digest = hashlib.sha256()
    data_rows = keyed = 0
    pending_blank: list[str] = []  # blank rows only count once a later row has data (trailing ones do not)
    row_number = first_row
    with open_private(spill) as out:  # every cell of the sheet: 0600 in a 0700 folder
        for chunk in chunks:
            for cells in chunk:
                row = _trim(cells, width)
                line = json.dumps([row_number, _key(row, key_index), *row], ensure_ascii=False)
                if row:
                    for blank in pending_blank:
                        out.write(blank)
                        digest.update(blank.encode())
                    pending_blank.clear()
                    out.write(line + "\n")
                    digest.update((line + "\n").encode())
                    data_rows = row_number - first_row + 1
                    keyed += 1 if _key(row, key_index) else 0
                else:
                    pending_blank.append(line + "\n")
                row_number += 1
    return SheetSnapshot(sheet=sheet, header=header, width=width, key_index=key_index, data_rows=data_rows,
                         keyed_rows=keyed, digest="sha256:" + digest.hexdigest(), spill=str(spill))


def spilled_rows(snapshot: SheetSnapshot) -> Iterator[SpillRow]:
    """The snapshot's rows from its spill file: (row number, key, cells), streamed."""
    with open(snapshot.spill, encoding="utf-8") as lines:
        for line in lines:
            number, key, *cells = json.loads(line)
            yield number, key, cells


def column_positions(wanted: list[str], header: list[str]) -> list[int | None]:
    """Where each of the `wanted` header names stands in `header` (exact text, in order, each column used once),
    None for one that is not there: a column someone inserted, moved or deleted changes where a cell is, not
    which cell it is."""
    positions: list[int | None] = []
    used: set[int] = set()
    for name in wanted:
        at = next((i for i, h in enumerate(header) if h == name and i not in used), None)
        if at is not None:
            used.add(at)
        positions.append(at)
    return positions


def _project(cells: Row, positions: list[int | None]) -> Row:
    row = [cells[p] if p is not None and p < len(cells) else "" for p in positions]
    while row and (row[-1] is None or row[-1] == ""):
        row.pop()
    return row


def pair_rows(before: Iterable[SpillRow], after: Iterable[SpillRow]) -> list[tuple[SpillRow | None, SpillRow | None]]:
    """The rows of two versions of a sheet paired by key, not by position (a human sorts the sheet), keeping only
    the pairs that differ; a row on one side only pairs with None. Empty rows are no rows.

    The rule for keys that repeat or are blank: among the rows with one key, a row equal to one on the other side
    pairs with it first, and the rest pair in row order; rows left unpaired on both sides at the same row number
    are one row whose key cell changed. A row that is the very same on both sides at the same row number (most
    of them) pairs with itself before anything else: both sides stream side by side, and only the rows that are
    not are held and paired by those rules.
    """
    before_left, after_left = _not_in_place(before, after)
    rows: list[SpillRow] = []
    in_order: dict[str, deque[int]] = {}  # key -> indexes into rows, in row order
    equal: dict[tuple[str, str], deque[int]] = {}  # (key, cells as JSON) -> indexes into rows
    for row in before_left:
        if row[2]:
            in_order.setdefault(row[1], deque()).append(len(rows))
            equal.setdefault((row[1], _text(row[2], row[0])), deque()).append(len(rows))
            rows.append(row)
    taken: set[int] = set()

    def take(queue: deque[int] | None) -> int | None:
        while queue and queue[0] in taken:
            queue.popleft()
        if not queue:
            return None
        taken.add(queue[0])
        return queue.popleft()

    differing = [row for row in after_left if row[2] and take(equal.get((row[1], _text(row[2], row[0])))) is None]
    pairs: list[tuple[SpillRow | None, SpillRow | None]] = []
    alone: list[SpillRow] = []
    for row in differing:
        i = take(in_order.get(row[1]))
        if i is None:
            alone.append(row)
        else:
            pairs.append((rows[i], row))
    left = {rows[i][0]: rows[i] for i in range(len(rows)) if i not in taken}  # by row number
    pairs += [(left.pop(row[0], None), row) for row in alone]
    pairs += [(row, None) for row in left.values()]
    return sorted(pairs, key=lambda p: _where(p))


def _not_in_place(before: Iterable[SpillRow], after: Iterable[SpillRow]) -> tuple[list[SpillRow], list[SpillRow]]:
    """The rows with cells of each side that are not the same row (number, key and cells) on the other side, read
    side by side in row order. Holding and comparing as JSON only these keeps a proof of two large, mostly equal
    sheets in little memory and time. A side out of row order (an archive) only leaves more rows to pair."""
    kept: tuple[list[SpillRow], list[SpillRow]] = ([], [])
    sides = iter(before), iter(after)
    b, a = next(sides[0], None), next(sides[1], None)
    while b is not None or a is not None:
        if a is None or b is not None and b[0] < a[0]:
            assert b is not None
            if b[2]:
                kept[0].append(b)
            b = next(sides[0], None)
        elif b is None or a[0] < b[0]:
            if a[2]:
                kept[1].append(a)
            a = next(sides[1], None)
        else:
            # equal and of the same types: Python takes True == 1 == 1.0, a sheet does not
            if a != b or list(map(type, a[2])) != list(map(type, b[2])):
                if b[2]:
                    kept[0].append(b)
                if a[2]:
                    kept[1].append(a)
            b, a = next(sides[0], None), next(sides[1], None)
    return kept


def _where(pair: tuple[SpillRow | None, SpillRow | None]) -> int:
    row = pair[1] or pair[0]
    assert row is not None
    return row[0]


def _text(cells: Row, row: int) -> str:
    return json.dumps([_relative(c, row) for c in cells], ensure_ascii=False)


# A cell reference in a formula whose row is relative (no `$` before it): not a function name (`LOG10(`), not a
# sheet name (`Hoja1!`), not the tail of a longer word.
_RELATIVE_ROW = re.compile(r"(?<![A-Za-z0-9_.])(\$?[A-Za-z]{1,3})(\d+)(?![\d(!A-Za-z_])")


def _relative(value: Any, row: int) -> Any:
    """A formula with its relative row references as offsets from its own row: a row a sort (or a move) carries
    elsewhere keeps `=BH5+BI5` as `=BH9+BI9`, which is the same formula."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    return _RELATIVE_ROW.sub(lambda m: f"{m.group(1)}R[{int(m.group(2)) - row}]", value)


def same_cell(a: Any, row_a: int, b: Any, row_b: int) -> bool:
    """Whether two cells hold the same, the first in row `row_a`, the second in `row_b` (formulas compared
    relative to their rows)."""
    return a == b or (row_a != row_b and _relative(a, row_a) == _relative(b, row_b) and isinstance(a, str))


def compare(snapshot: SheetSnapshot, chunks: Iterable[list[Row]], *, first_row: int = 2,
            limit: int | None = None, width: int | None = None, columns: list[int] | None = None,
            live_columns: list[int | None] | None = None) -> tuple[list[CellChange], int]:
    """Every cell of the snapshot's `columns` (default: its first `width`, default all) that differs now, with
    before and after; and the live row count.

    The live rows hold those columns at `live_columns` (default: the same positions). Rows are paired by key
    (`pair_rows`), so a sort is no change; a row added shows as changes from empty, a row gone as changes to
    empty. `limit` caps the list (the count of data rows is still complete).
    """
    wanted = list(range(snapshot.width if width is None else width)) if columns is None else list(columns)
    at: list[int | None] = list(wanted) if live_columns is None else list(live_columns)
    key_at = at[wanted.index(snapshot.key_index)] if snapshot.key_index in wanted else snapshot.key_index
    names = [snapshot.header[i] for i in wanted]
    live_rows = 0

    def before() -> Iterator[SpillRow]:
        for number, key, cells in spilled_rows(snapshot):
            yield number, key, _project(cells, list(wanted))

    def after() -> Iterator[SpillRow]:
        nonlocal live_rows
        row_number = first_row
        for chunk in chunks:
            for cells in chunk:
                now = _project(cells, at)
                if now:
                    live_rows = row_number - first_row + 1
                yield row_number, _key(cells, key_at) if key_at is not None else "", now
                row_number += 1

    changes: list[CellChange] = []
    for was, now in pair_rows(before(), after()):
        changes.extend(cell_changes(snapshot.sheet, names, was, now))
    return (changes if limit is None else changes[:limit]), live_rows


def cell_changes(sheet: str, names: list[str], was: SpillRow | None, now: SpillRow | None) -> list[CellChange]:
    """The cells of one pair of rows that differ (`names`: the header of the compared columns)."""
    row = now[0] if now is not None else was[0] if was is not None else 0
    key = (was[1] if was is not None else "") or (now[1] if now is not None else "")
    a_cells, a_row = (was[2], was[0]) if was is not None else ([], row)
    b_cells, b_row = (now[2], now[0]) if now is not None else ([], row)
    out = []
    for i in range(max(len(a_cells), len(b_cells))):
        a = a_cells[i] if i < len(a_cells) else ""
        b = b_cells[i] if i < len(b_cells) else ""
        if not same_cell(a, a_row, b, b_row):
            out.append(CellChange(sheet=sheet, row=row, key=key, column=names[i], before=a, after=b))
    return out


def projected(chunks: Iterable[list[Row]], positions: list[int | None]) -> Iterator[list[Row]]:
    """`chunks` with each row's cells taken from `positions` (None: an empty cell), e.g. a live sheet read in
    the column order of a snapshot's header (`column_positions`)."""
    for chunk in chunks:
        yield [_project(cells, positions) for cells in chunk]
