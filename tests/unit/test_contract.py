"""What the orchestrator and the bridge agree on is defined once (orchestrator/contract/, and the header rule's
character classes in orchestrator/domain/columns.py); the bridge's copy is generated (Contract.js), and no
hand-written copy is left on either side."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from orchestrator.codegen import BRIDGE_DIR, BUILD_INFO_JS, CONTRACT_JS, MIGRATIONS_JS, render_contract_js
from orchestrator.contract.bridge_build import BRIDGE_BUILD_HASH, MANIFEST_SCOPES
from orchestrator.contract.errors import BRIDGE_ERROR_CODES, ErrorCode
from orchestrator.contract.limits import BRIDGE_CONSTANTS, CELL_LIMIT, MAX_CELL_CHARS, MAX_COLUMNS, cell_chars
from orchestrator.contract.metadata import MetaKey
from orchestrator.contract.sheets import ARCHIVE_PREFIX, HISTORY_SHEET
from orchestrator.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "orchestrator"
GENERATED_JS = {CONTRACT_JS, MIGRATIONS_JS, BUILD_INFO_JS}
HAND_WRITTEN_JS = sorted(p for p in BRIDGE_DIR.glob("*.js") if p.name not in GENERATED_JS)


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


# -- error codes -----------------------------------------------------------------------------------------------

def test_contract_js_gets_exactly_the_codes_the_bridge_throws() -> None:
    block = render_contract_js().split("var ERROR_CODES = {", 1)[1].split("};", 1)[0]
    assert dict(re.findall(r"^  ([A-Z_]+): \"([A-Z_]+)\",", block, re.M)) == {
        c.name: f"ZEUES_{c.value}" for c in BRIDGE_ERROR_CODES}


def test_each_code_is_its_name_and_the_exit_codes_are_the_documented_ones() -> None:
    assert all(c.value == c.name and c.meaning for c in ErrorCode)
    assert {c.value: int(c.exit_code) for c in ErrorCode if c.exit_code != ExitCode.REFUSED} == {
        "LOCK_BUSY": 3, "BLOCKED": 5, "FAILED": 7, "VERIFY_FAILED": 6, "NEEDS_ATTENTION": 5, "GRID_CHANGED": 10,
        "EXECUTION_TIMEOUT": 7, "SCRIPT_ERROR": 7, "VIOLATIONS": 11, "INCONSISTENT": 5, "CHANGE_IN_PROGRESS": 3,
        "CONFIG_INVALID": 2, "LOCAL_IO": 12}
    assert {c.value for c in BRIDGE_ERROR_CODES} == {
        "INVALID_REQUEST", "NOT_FOUND", "LOCK_BUSY", "HOLD", "BLOCKED", "DRIFT", "CONFLICT", "CHECKSUM", "ORDER",
        "CELL_LIMIT", "FAILED", "IS_BACKUP", "INCONSISTENT", "CHANGE_IN_PROGRESS", "NOT_OWNER"}


def test_every_code_the_bridge_uses_is_one_it_throws_and_each_is_thrown() -> None:
    used = {name for p in HAND_WRITTEN_JS for name in re.findall(r"\bERROR_CODES\.([A-Z_]+)", p.read_text("utf-8"))}
    assert used == {c.name for c in BRIDGE_ERROR_CODES}


def _python_codes() -> dict[str, list[str]]:
    """Every code the orchestrator writes or compares: `code="X"` (a Finding), a preflight's `error("X", ...)`,
    `<something>.code == "X"`, and `ErrorCode.X`. Code -> where."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            literals: list[ast.expr] = []
            if isinstance(node, ast.Call):
                literals += [k.value for k in node.keywords if k.arg == "code"]
                if isinstance(node.func, ast.Name) and node.func.id == "error" and node.args:
                    literals.append(node.args[0])
            elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute)
                  and node.left.attr == "code"):
                literals += node.comparators
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "ErrorCode" and node.attr.isupper()):
                literals.append(ast.Constant(node.attr, lineno=node.lineno))
            for literal in literals:
                if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                    found.setdefault(literal.value, []).append(f"{where}:{literal.lineno}")
    return found


def test_every_code_python_raises_is_in_the_contract() -> None:
    found = _python_codes()
    assert {"STALE_BRIDGE", "BACKUP_MISMATCH", "CHECKSUM", "ALREADY_APPLIED", "CELL_BUDGET", "IS_BACKUP"} <= set(found)
    unknown = {code: where for code, where in found.items() if ErrorCode.of(code) is None}
    assert unknown == {}, "add these to orchestrator/contract/errors.py ErrorCode"


# -- no hand-written copy left ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [*(k.value for k in MetaKey), HISTORY_SHEET, ARCHIVE_PREFIX,
                                  *(c.thrown for c in BRIDGE_ERROR_CODES)])
def test_no_hand_written_copy_of_a_name_is_left(text: str) -> None:
    """A key, sheet name or code as a string literal: only in the contract (and the generated Contract.js)."""
    literal = re.compile(r"[\"']" + re.escape(text))
    files = HAND_WRITTEN_JS + [p for p in PACKAGE.rglob("*.py") if p.parent.name != "contract"]
    assert [str(p.relative_to(ROOT)) for p in files if literal.search(p.read_text("utf-8"))] == []


def test_sheet_titles_are_quoted_in_one_place_per_side() -> None:
    # A quote doubled (a Drive query escapes its quotes otherwise).
    doubling = re.compile(r"replace\(\s*(\"'\"|chr\(39\)),\s*(\"''\"|chr\(39\) \* 2)\)")
    python = [p for p in PACKAGE.rglob("*.py") if doubling.search(p.read_text("utf-8"))]
    assert [str(p.relative_to(ROOT)) for p in python] == ["orchestrator/domain/columns.py"]
    bridge = [p.name for p in HAND_WRITTEN_JS if "/'/g" in p.read_text("utf-8")]
    assert bridge == ["Sheets.js"]


def test_the_bridge_defines_no_regex_of_the_contract_itself() -> None:
    for path in HAND_WRITTEN_JS:
        text = path.read_text("utf-8")
        assert not re.search(r"\\p\{", text), f"{path.name}: a Unicode class belongs in the contract"
        assert "[0-9]+(" not in text, f"{path.name}: the migration-id grammar belongs in the contract"


# -- the build, baked into the package ---------------------------------------------------------------------------

def test_the_package_knows_its_bridge_without_the_source_tree() -> None:
    assert BRIDGE_BUILD_HASH in (BRIDGE_DIR / BUILD_INFO_JS).read_text("utf-8")
    assert list(MANIFEST_SCOPES) == json.loads((BRIDGE_DIR / "appsscript.json").read_text("utf-8"))["oauthScopes"]
    # Only the generator (and the rehearsal, which runs the emulator on the bridge's sources) reads appsscript/.
    readers = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                     if re.search(r"^from orchestrator\.codegen import", p.read_text("utf-8"), re.M))
    assert readers == ["orchestrator/engine/rehearsal.py"]
