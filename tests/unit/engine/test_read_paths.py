"""The run's read helpers: the snapshot's header re-check and a read from row 1 split into header and rows."""

from __future__ import annotations

from orchestrator.engine.runs import _headed, _same_header


def test_the_same_header_read_with_formulas_rendered() -> None:
    assert _same_header(["TAG_SPOOL", "NV", "", None], ["TAG_SPOOL", "NV"])
    assert _same_header(["TAG_SPOOL", 2024, "=A1"], ["TAG_SPOOL", "2024", "Hoy"])  # a number, a formula: as read
    assert not _same_header(["TAG_SPOOL", "Nuevo", "NV"], ["TAG_SPOOL", "NV"])  # a column inserted
    assert not _same_header(["TAG_SPOOL"], ["TAG_SPOOL", "NV"])  # one deleted
    assert not _same_header(["TAG_SPOOL", "NW"], ["TAG_SPOOL", "NV"])  # renamed


def test_a_read_from_row_one_splits_into_header_and_rows() -> None:
    header, rows = _headed(iter([[["TAG_SPOOL", 7, "=B1"], ["MK-1", "a"]], [["MK-2"]]]), ["TAG_SPOOL", "7", "x"])
    assert header == ["TAG_SPOOL", "7", "x"]  # a number or formula keeps the name read formatted
    assert list(rows) == [[["MK-1", "a"]], [["MK-2"]]]
    header, rows = _headed(iter([[], [["A", 5]]]), [])
    assert header == ["A", "5"] and list(rows) == [[]]
    header, rows = _headed(iter([]), ["A"])
    assert header == [] and list(rows) == []
