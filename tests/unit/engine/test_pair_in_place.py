"""`pair_rows` pairs the rows that are the same at the same row number first, streaming both sides side by side:
what it reports must not change for that, and a cell Python takes as equal but a sheet does not (TRUE and 1) is
still a difference."""

from __future__ import annotations

from orchestrator.engine.snapshot import SpillRow, pair_rows


def test_rows_in_place_pair_with_themselves_and_are_not_reported() -> None:
    rows: list[SpillRow] = [(n, f"K{n}", [f"K{n}", n, f"=A{n}"]) for n in range(2, 2000)]
    assert pair_rows(rows, list(rows)) == []


def test_a_changed_row_among_rows_in_place_is_the_only_pair() -> None:
    before: list[SpillRow] = [(n, f"K{n}", [f"K{n}", n]) for n in range(2, 50)]
    after = list(before)
    after[10] = (12, "K12", ["K12", 99])
    assert pair_rows(before, after) == [(before[10], after[10])]


def test_true_is_not_one_and_one_is_not_one_point_zero() -> None:
    assert pair_rows([(2, "k", [1, "a"])], [(2, "k", [True, "a"])]) == [((2, "k", [1, "a"]), (2, "k", [True, "a"]))]
    assert len(pair_rows([(2, "k", [1])], [(2, "k", [1.0])])) == 1  # as their JSON texts differ


def test_a_sort_is_still_no_change_and_rows_on_one_side_still_pair_with_none() -> None:
    before: list[SpillRow] = [(2, "A", ["A", 1]), (3, "B", ["B", 2]), (4, "C", ["C", 3])]
    after: list[SpillRow] = [(2, "B", ["B", 2]), (3, "A", ["A", 1]), (4, "C", ["C", 3]), (5, "D", ["D", 4])]
    assert pair_rows(before, after) == [(None, (5, "D", ["D", 4]))]
    assert pair_rows(after, before) == [((5, "D", ["D", 4]), None)]


def test_a_side_out_of_row_order_still_pairs_by_key() -> None:
    before: list[SpillRow] = [(2, "A", ["A", 1]), (3, "B", ["B", 2])]
    archived: list[SpillRow] = [(3, "B", ["B", 2]), (2, "A", ["A", 5])]
    assert pair_rows(before, archived) == [((2, "A", ["A", 1]), (2, "A", ["A", 5]))]
