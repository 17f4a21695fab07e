"""The limits are defined once (orchestrator/contract/limits.py); the bridge's copy is generated (Contract.js)."""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator.codegen import BRIDGE_DIR, CONTRACT_JS, render_contract_js
from orchestrator.contract.limits import BRIDGE_CONSTANTS, CELL_LIMIT, MAX_CELL_CHARS, MAX_COLUMNS, cell_chars

ROOT = Path(__file__).resolve().parents[2]


def test_contract_js_defines_every_constant_with_its_value() -> None:
    text = (BRIDGE_DIR / CONTRACT_JS).read_text(encoding="utf-8")
    assert text == render_contract_js(), "Contract.js is stale: run `python3 tasks.py regen`"
    defined = dict(re.findall(r"^var ([A-Z_]+) = (\d+);$", text, re.M))
    assert defined == {name: str(value) for name, (value, _) in BRIDGE_CONSTANTS.items()}
    assert (CELL_LIMIT, MAX_COLUMNS, MAX_CELL_CHARS) == (10_000_000, 18_278, 50_000)


def test_no_hand_written_copy_of_a_limit_is_left() -> None:
    """Neither in the bridge (other than the generated Contract.js) nor in the orchestrator's engine, CLI,
    migrations and workbook generator."""
    numbers = re.compile(r"(?<![\d_])(10_?000_?000|18_?278|50_?000)(?![\d_])")
    files = [p for p in BRIDGE_DIR.glob("*.js") if p.name != CONTRACT_JS] + [
        p for folder in ("engine", "cli", "migrations", "workbook") for p in (ROOT / "orchestrator" / folder).glob("*.py")]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in numbers.finditer(p.read_text("utf-8"))]
    assert found == []


def test_characters_are_counted_as_the_bridge_counts_them() -> None:
    assert cell_chars("Ocupación") == 9 and cell_chars("😀") == 2 and cell_chars("") == 0
