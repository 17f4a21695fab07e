"""Streaming snapshots of a sheet's cells, and the cell-by-cell comparison against one.

Rows stream in chunks: each row's cells (FORMULA render, cut to the snapshot's width) go to a spill file on
disk and into a running digest, so memory holds one chunk at a time whatever the sheet's size. The spill
file is what lets a verification name every changed cell with its value before and after, not just say
that a row's hash differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from orchestrator.domain.cells import CellValue

Row = list[CellValue]


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
    model_config = ConfigDict(frozen=True)

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
    spill.parent.mkdir(parents=True, exist_ok=True)
    row_number = first_row
    with spill.open("w", encoding="utf-8") as out:
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


def spilled_rows(snapshot: SheetSnapshot) -> Iterator[tuple[int, str, Row]]:
    """The snapshot's rows from its spill file: (row number, key, cells), streamed."""
    with open(snapshot.spill, encoding="utf-8") as lines:
        for line in lines:
            number, key, *cells = json.loads(line)
            yield number, key, cells


def compare(snapshot: SheetSnapshot, chunks: Iterable[list[Row]], *, first_row: int = 2,
            limit: int | None = None, width: int | None = None) -> tuple[list[CellChange], int]:
    """Every cell of the snapshot's first `width` columns (default: all) that differs now, with before and
    after; and the live row count.

    Rows added after the last snapshot row show up as changes from empty. `limit` caps the list (the count
    of data rows is still complete).
    """
    width = snapshot.width if width is None else width
    changes: list[CellChange] = []
    before = spilled_rows(snapshot)
    expected = next(before, None)
    row_number = first_row
    live_rows = 0
    for chunk in chunks:
        for cells in chunk:
            now = _trim(cells, width)
            if now:
                live_rows = row_number - first_row + 1
            was: Row = []
            key = _key(now, snapshot.key_index)
            if expected is not None and expected[0] == row_number:
                was, key = _trim(expected[2], width), expected[1] or key
                expected = next(before, None)
            if was != now and (limit is None or len(changes) < limit):
                changes.extend(_cell_changes(snapshot, row_number, key, was, now))
            row_number += 1
    while expected is not None:  # rows that vanished from the end
        changes.extend(_cell_changes(snapshot, expected[0], expected[1], _trim(expected[2], width), []))
        expected = next(before, None)
    return (changes if limit is None else changes[:limit]), live_rows


def _cell_changes(snapshot: SheetSnapshot, row: int, key: str, was: Row, now: Row) -> list[CellChange]:
    out = []
    for i in range(max(len(was), len(now))):
        a = was[i] if i < len(was) else ""
        b = now[i] if i < len(now) else ""
        if a != b:
            out.append(CellChange(row=row, key=key, column=snapshot.header[i], before=a, after=b))
    return out
