"""The header rule (orchestrator/domain/columns.py) against the vectors the bridge runs too
(emulator/test/bridge-header-rule.test.js): one rule, two implementations, one table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from orchestrator.domain.columns import column_name_problem, normalize_header
from orchestrator.migrations.spec import ColumnSpec, Migration

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "orchestrator" / "contract" / "header-vectors.json").read_text("utf-8"))


@pytest.mark.parametrize("vector", VECTORS["keys"], ids=lambda v: repr(v["name"]))
def test_each_vector_normalises_to_its_key(vector: dict[str, str]) -> None:
    assert normalize_header(vector["name"]) == vector["key"]


def test_the_table_covers_what_it_must() -> None:
    names = {v["name"] for v in VECTORS["keys"]}
    for required in ("Straße", "TAG_SPOOL\ufeff", "Fecha\vArmado", "Fecha\u2028Armado", "Armador\u1dc0",
                     "TAG_SPOOL\u200b", "TAG\u200cSPOOL", "TAG\u200dSPOOL", "TAG\u2060SPOOL", "Fecha\u00a0Armado",
                     "TAG_SPOOL / CODIGO_BARRA", "Fecha_QC_Metrología", "Fecha_QC_Metrologia", "N°_Informe_UT_ RX"):
        assert required in names, repr(required)
    production = [v for v in VECTORS["keys"] if v.get("note") == "production"][:64]  # zeues-sheet.md's 64 names
    assert len({v["key"] for v in production}) == 64, "two production names would match each other"


@pytest.mark.parametrize(("a", "b"), VECTORS["same"])
def test_names_that_must_match_do(a: str, b: str) -> None:
    assert normalize_header(a) == normalize_header(b)


@pytest.mark.parametrize("vector", VECTORS["refused"], ids=lambda v: repr(v["name"]))
def test_refused_names_name_the_code_point_and_position(vector: dict[str, Any]) -> None:
    problem = column_name_problem(vector["name"])
    assert problem is not None and f"has {vector['codePoint']} (" in problem
    assert f"at position {vector['position']}:" in problem
    with pytest.raises(ValidationError, match=vector["codePoint"].replace("+", r"\+")):
        ColumnSpec(name=vector["name"])


@pytest.mark.parametrize("name", VECTORS["allowed"])
def test_allowed_names_pass(name: str) -> None:
    assert column_name_problem(name) is None


@pytest.mark.parametrize("bad_id", ["3.1\n", "３.１", "٣.١", "3.", ".3", "3..1", "v3", ""])
def test_a_migration_id_is_ascii_digits_and_dots(bad_id: str) -> None:
    with pytest.raises(ValidationError, match="dotted version"):
        Migration.model_validate({"id": bad_id, "description": "x", "operations": [
            {"kind": "register_event_types", "sheet": "Metadata", "column": "evento_tipo", "event_types": ["X_Y"]}]})
