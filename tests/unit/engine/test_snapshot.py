from pathlib import Path
from typing import Any

from orchestrator.engine.snapshot import compare, take_snapshot

HEADER = ["id", "TAG_SPOOL", "Armador", "Precio"]


def chunks(rows: list[list[Any]], size: int = 2) -> list[list[list[Any]]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]


ROWS: list[list[Any]] = [
    [1, "T-1", "MR(93)", 10],
    ["", "T-2", "", "=A3*2"],
    [],  # a blank row inside the data
    ["", "", "", 5],  # a row without a key
    ["", "T-5", "JP(7)", 1, "beyond the header width"],
    [],
    [],  # trailing blanks are not data
]


def test_snapshot_counts_rows_and_keys_and_is_deterministic(tmp_path: Path) -> None:
    a = take_snapshot("Operaciones", HEADER, 1, chunks(ROWS), tmp_path / "a.jsonl")
    b = take_snapshot("Operaciones", HEADER, 1, chunks(ROWS, 3), tmp_path / "b.jsonl")
    assert (a.data_rows, a.keyed_rows) == (5, 3)
    assert a.digest == b.digest  # chunking does not matter
    c = take_snapshot("Operaciones", HEADER, 1, chunks([*ROWS[:1], [1, "T-1", "MR(93)", 11], *ROWS[2:]]),
                      tmp_path / "c.jsonl")
    assert c.digest != a.digest


def test_compare_lists_every_changed_cell_with_before_and_after(tmp_path: Path) -> None:
    snap = take_snapshot("Operaciones", HEADER, 1, chunks(ROWS), tmp_path / "s.jsonl")
    live = [list(r) for r in ROWS[:5]]
    live[0][2] = "JP(7)"  # a concurrent v2.1 write
    live[4][4] = "v3.0 column"  # beyond the width: not compared
    live.append(["", "T-7", "", ""])  # a row appended meanwhile
    changes, rows = compare(snap, chunks(live))
    assert rows == 6
    listed = {(c.row, c.key, c.column, c.before, c.after) for c in changes}
    assert listed == {(2, "T-1", "Armador", "MR(93)", "JP(7)"), (7, "T-7", "TAG_SPOOL", "", "T-7")}


def test_compare_reports_vanished_rows(tmp_path: Path) -> None:
    snap = take_snapshot("Operaciones", HEADER, 1, chunks(ROWS), tmp_path / "s.jsonl")
    changes, rows = compare(snap, chunks(ROWS[:2]))
    assert rows == 2
    assert {(c.row, c.column) for c in changes} == {(5, "Precio"), (6, "TAG_SPOOL"), (6, "Armador"), (6, "Precio")}
    assert not compare(snap, chunks(ROWS))[0]
