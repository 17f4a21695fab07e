"""The workbook variants of what production held (issue 16): the 63-column header and a v3.0 sheet after months of
the real backend."""

from __future__ import annotations

import re

from orchestrator.migrations import load_migrations
from orchestrator.workbook import Variant, WorkbookOptions, build_workbook, operaciones_header
from orchestrator.workbook.generator import PRODUCTION_MISSING_COLUMN, V30_ADDED
from tests.support.resource import rows, sheet


def test_the_production_header_has_63_columns_and_no_spare_one() -> None:
    header = operaciones_header(frozenset({Variant.PRODUCTION_HEADER}))
    assert len(header) == 63 and PRODUCTION_MISSING_COLUMN not in header
    resource = build_workbook(WorkbookOptions(spools=20, variants=frozenset({Variant.PRODUCTION_HEADER})))
    assert sheet(resource, "Operaciones")["properties"]["gridProperties"]["columnCount"] == 63
    assert rows(resource, "Operaciones")[0] == header


def test_months_of_production_holds_what_the_backend_wrote() -> None:
    (migration,) = load_migrations()
    assert list(V30_ADDED) == [c.name for c in migration.added_columns("Operaciones")]
    plain = rows(build_workbook(WorkbookOptions(spools=300, seed=3)), "Operaciones")
    table = rows(build_workbook(WorkbookOptions(spools=300, seed=3, production_v30=True)), "Operaciones")
    header = table[0]
    assert header == plain[0] + list(V30_ADDED)
    width = len(plain[0])
    padded = lambda r: (r + [None] * width)[:width]  # noqa: E731
    assert [padded(r) for r in table[1:]] == [padded(r) for r in plain[1:]], "the v2.1 cells are the same spools"
    cells = lambda name: [r[header.index(name)] for r in table[1:] if len(r) > header.index(name)]  # noqa: E731
    versions = cells("version")
    assert any(isinstance(v, str) and re.fullmatch(r"[0-9a-f-]{36}", v) for v in versions), "UUID versions"
    assert any(isinstance(v, float | int) for v in versions)
    dates = {re.sub(r"\d", "9", str(v)) for v in cells("Fecha_Ocupacion") if v}
    assert dates == {"9999-99-99", "99-99-9999", "99-99-9999 99:99:99"}
    holders = [v for v in cells("Ocupado_Por") if v]
    assert any("(" in h for h in holders) and any("(" not in h for h in holders), "labels and older full names"
