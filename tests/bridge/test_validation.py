"""Each typed column the bridge adds gets a warning-only data validation derived from its column contract, so a
person typing `abc` into `version` sees the warning in Sheets (issue 16)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.domain import IntegerType
from orchestrator.domain.columns import column_letter
from orchestrator.migrations import MIGRATIONS_DIR, bridge_payload, load_migrations
from orchestrator.migrations.validation import validation_rule
from tests.bridge.helpers import V30_COLUMNS, apply
from tests.support.live import Live


def _rules(live: Live, sid: str, width: int) -> dict[str, Any]:
    """The data validation of each new column as its first data cell holds it."""
    rows = live.grid(sid, "Operaciones")["rowCount"]
    found: dict[str, Any] = {}
    for j, name in enumerate(V30_COLUMNS):
        letter = column_letter(width + j)
        got = live.sheets.spreadsheets().get(
            spreadsheetId=sid, ranges=[f"Operaciones!{letter}2:{letter}{rows}"],
            fields="sheets.data.rowData.values.dataValidation").execute()
        cells = [r.get("values", [{}])[0].get("dataValidation") for r in got["sheets"][0]["data"][0]["rowData"]]
        # Every data row has it (Google shows a relative reference moved to each cell, so compare the kind only).
        assert len(cells) == rows - 1 and all(c and c["condition"]["type"] == cells[0]["condition"]["type"]
                                             for c in cells), f"{name}: a rule on every data row"
        found[name] = cells[0]
    return found


def _expected(migration_contracts: Any, width: int) -> dict[str, Any]:
    (sheet,) = migration_contracts
    out: dict[str, Any] = {}
    for j, name in enumerate(V30_COLUMNS):
        rule = validation_rule(sheet.column(name))
        assert rule is not None
        formula = rule["condition"]["values"][0]["userEnteredValue"].replace("{cell}", f"{column_letter(width + j)}2")
        out[name] = {**rule, "condition": {**rule["condition"], "values": [{"userEnteredValue": formula}]}}
    return out


def test_each_typed_column_gets_the_warning_rule_of_its_contract(live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(spools=50)
    width = len(live.header(sid, "Operaciones"))
    (migration,) = load_migrations(MIGRATIONS_DIR)
    apply(live, sid, bridge_payload(migration))
    rules = _rules(live, sid, width)
    assert rules == _expected(migration.contracts, width)
    assert all(r["strict"] is False for r in rules.values()), "warning only"
    version = rules["version"]["condition"]["values"][0]["userEnteredValue"]
    letter = column_letter(width + 2)
    assert version == f"=OR(ISBLANK({letter}2),AND(ISNUMBER({letter}2),{letter}2=INT({letter}2),{letter}2>=0))"


def test_a_changed_contract_changes_the_rule_the_bridge_places(live: Live, new_sheet: Callable[..., str]) -> None:
    """One definition: the rule comes from the contract the reader and `verify` use (test_column_contracts)."""
    sid = new_sheet(spools=50)
    width = len(live.header(sid, "Operaciones"))
    (migration,) = load_migrations(MIGRATIONS_DIR)
    (sheet,) = migration.contracts
    capped = [sheet.model_copy(update={"columns": [
        c.model_copy(update={"type": IntegerType(kind="integer", minimum=0, maximum=5)}) if c.column == "version" else c
        for c in sheet.columns]})]
    changed = migration.with_side_contracts(capped)
    assert changed.checksum == migration.checksum, "contracts outside the spec leave its identity alone"
    apply(live, sid, bridge_payload(changed))
    rules = _rules(live, sid, width)
    assert rules == _expected(capped, width)
    assert f"{column_letter(width + 2)}2<=5" in rules["version"]["condition"]["values"][0]["userEnteredValue"]
