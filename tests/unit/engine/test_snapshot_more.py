"""More of the snapshot comparison (orchestrator/engine/snapshot.py): a sort that carries formulas and edits
along, the live sheet's columns moved or its key column gone, rows without a key, repeated header names. These
kill the mutants mutmut found surviving after test_snapshot.py (docs/testing.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator.engine.snapshot import SheetSnapshot, cell_changes, column_positions, compare, take_snapshot

HEADER = ["id", "TAG_SPOOL", "Armador", "Precio"]
KEY = 1
# Formulas with relative rows (`A2`) and an absolute one (`$A$2`): a sort moves the first kind along.
ROWS: list[list[Any]] = [
    [1, "T-1", "MR(93)", "=A2*2"],
    [2, "T-2", "JP(7)", "=A3*2"],
    [3, "T-3", "", "=A4+$A$2"],
    [4, "T-4", "KL(1)", 7],
]


def _snapshot(tmp_path: Path, rows: list[list[Any]] = ROWS) -> SheetSnapshot:
    return take_snapshot("Operaciones", HEADER, KEY, [rows], tmp_path / "s.jsonl")


def _listed(changes: list[Any]) -> list[tuple[Any, ...]]:
    return [(c.row, c.key, c.column, c.before, c.after) for c in changes]


def test_a_sort_carries_formulas_along_and_an_edit_is_found_in_its_new_row(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    live: list[list[Any]] = [  # sorted by id, descending; each formula moved with its row
        [4, "T-4", "KL(1)", 8],  # edited
        [3, "T-3", "", "=A3+$A$2"],
        [2, "T-2", "XX(9)", "=A4*2"],  # edited: its formula moved with it, so it is no change
        [1, "T-1", "MR(93)", "=A5*2"],
    ]
    changes, live_rows = compare(snap, [live])
    assert live_rows == 4
    # In row order, not key order; each edit in the row it is in now, under its own key.
    assert _listed(changes) == [(2, "T-4", "Precio", 7, 8), (4, "T-2", "Armador", "JP(7)", "XX(9)")]


def test_the_live_key_is_read_where_the_key_column_is_now(tmp_path: Path) -> None:
    """A column inserted before the key column, and the rows sorted: still no change."""
    snap = _snapshot(tmp_path)
    sorted_rows: list[list[Any]] = [[4, "T-4", "KL(1)", 7], [3, "T-3", "", "=A3+$A$2"], [2, "T-2", "JP(7)", "=A4*2"],
                                    [1, "T-1", "MR(93)", "=A5*2"]]
    live: list[list[Any]] = [["new", *row] for row in sorted_rows]
    assert compare(snap, [live], live_columns=[1, 2, 3, 4]) == ([], 4)


def test_columns_without_the_key_column_pair_rows_by_the_key_where_it_was(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    live = [list(r) for r in ROWS]
    live[1][2] = "XX(9)"
    changes, _ = compare(snap, [live], columns=[2, 3])
    assert _listed(changes) == [(3, "T-2", "Armador", "JP(7)", "XX(9)")]


def test_with_the_key_column_gone_rows_pair_by_position_and_a_new_row_has_no_key(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    live = [[r[0], r[2], r[3]] for r in ROWS] + [[5, "ZZ(1)", 9]]  # TAG_SPOOL deleted; a row appended
    changes, live_rows = compare(snap, [live], live_columns=[0, None, 1, 2])
    assert live_rows == 5
    assert _listed(changes) == [
        (2, "T-1", "TAG_SPOOL", "T-1", ""), (3, "T-2", "TAG_SPOOL", "T-2", ""), (4, "T-3", "TAG_SPOOL", "T-3", ""),
        (5, "T-4", "TAG_SPOOL", "T-4", ""),
        (6, "", "id", "", 5), (6, "", "Armador", "", "ZZ(1)"), (6, "", "Precio", "", 9)]


def test_a_vanished_row_without_a_key_is_listed_without_one(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path, [*ROWS, ["", "", "", 5]])
    changes, live_rows = compare(snap, [ROWS])
    assert live_rows == 4 and _listed(changes) == [(6, "", "Precio", 5, "")]


def test_a_repeated_header_name_is_found_once_per_column() -> None:
    assert column_positions(["A", "X", "A", "A"], ["A", "B", "A"]) == [0, None, 2, None]


def test_a_pair_with_neither_side_differs_in_nothing() -> None:
    assert cell_changes("Operaciones", HEADER, None, None) == []
