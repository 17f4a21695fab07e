import hashlib
import json
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


def test_a_row_shorter_than_the_key_column_and_a_none_key_have_no_key(tmp_path: Path) -> None:
    rows: list[list[Any]] = [[1], [2, None, "x"], [3, "T-3", None, ""], ["", "", "", ""]]
    snap = take_snapshot("Operaciones", HEADER, 1, chunks(rows), tmp_path / "s.jsonl")
    assert (snap.data_rows, snap.keyed_rows) == (3, 1)  # the trailing blank row (None and "" alike) is no data
    spilled = [json.loads(line) for line in Path(snap.spill).read_text(encoding="utf-8").splitlines()]
    assert spilled == [[2, "", 1], [3, "", 2, None, "x"], [4, "T-3", 3, "T-3"]]  # trailing blanks trimmed
    live = [[1, "T-1"], [2, None, "x", None], [3, "T-3"]]
    changes, live_rows = compare(snap, chunks(live))
    assert live_rows == 3
    assert [(c.row, c.key, c.column, c.before, c.after) for c in changes] == [(2, "T-1", "TAG_SPOOL", "", "T-1")]


def test_compare_covers_only_the_width_asked_for(tmp_path: Path) -> None:
    snap = take_snapshot("Operaciones", HEADER, 1, chunks(ROWS), tmp_path / "s.jsonl")
    live = [list(r) for r in ROWS[:5]]
    live[0][3] = 11  # Precio: beyond width 3
    live[1][2] = "MR(93)"  # Armador: inside it
    changes, _ = compare(snap, chunks(live), width=3)
    assert [(c.row, c.column) for c in changes] == [(3, "Armador")]
    gone, _ = compare(snap, chunks(live[:4]), width=2)  # row 6 vanished: only its first two cells are listed
    assert [(c.row, c.column, c.before) for c in gone] == [(6, "TAG_SPOOL", "T-5")]


def test_compare_caps_the_list_but_counts_every_row(tmp_path: Path) -> None:
    snap = take_snapshot("Operaciones", HEADER, 1, chunks(ROWS), tmp_path / "s.jsonl")
    live = [["x", "y", "z", "w"] for _ in range(8)]
    changes, live_rows = compare(snap, chunks(live), limit=5)
    assert len(changes) == 5 and live_rows == 8
    unlimited, _ = compare(snap, chunks(live))
    assert len(unlimited) > 5 and unlimited[:5] == changes


def test_an_empty_snapshot_compares_against_an_empty_sheet(tmp_path: Path) -> None:
    snap = take_snapshot("Operaciones", HEADER, 1, [], tmp_path / "s.jsonl")
    assert compare(snap, []) == ([], 0)
    changes, rows = compare(snap, chunks([["", "T-9"]]))
    assert rows == 1 and [(c.row, c.key, c.after) for c in changes] == [(2, "T-9", "T-9")]


def test_the_spill_keeps_non_ascii_text_in_utf8(tmp_path: Path) -> None:
    snap = take_snapshot("Operaciones", HEADER, 1, chunks([[1, "T-ñ", "Núñez", "", "a v3.0 cell"]]),
                         tmp_path / "deep" / "er" / "s.jsonl")
    assert Path(snap.spill).read_text(encoding="utf-8") == '[2, "T-ñ", 1, "T-ñ", "Núñez"]\n'  # cut to the header
    assert snap.digest == "sha256:" + hashlib.sha256(
        (json.dumps([2, "T-ñ", 1, "T-ñ", "Núñez"], ensure_ascii=False) + "\n").encode()).hexdigest()
