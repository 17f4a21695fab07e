"""The package's layers: no module imports one above it (docs/architecture.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "orchestrator"
# Lower layers know nothing of higher ones. The domain model is a library the ZEUES backend imports: it sits
# at the bottom with the contract, and imports nothing of the tool.
LAYERS: dict[str, int] = {
    "domain": 0, "contract": 0, "exit_codes": 0,
    "migrations": 1, "config": 1,
    "google": 2,
    "emulator": 3, "workbook": 3, "codegen": 3, "codegen_sidebar": 3,
    "engine": 4,
    "cli": 5, "bench": 5, "bench_baseline": 5, "conformance": 5,
}


def imports_of(path: Path) -> set[str]:
    """The top-level orchestrator subpackages or modules `path` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {n.split(".")[1] for n in names if n.startswith("orchestrator.") and n.count(".") >= 1}
    return found


def unit_of(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(p) for p in PACKAGE.rglob("*.py")} - {"__init__"}
    assert units <= set(LAYERS), f"give these a layer: {sorted(units - set(LAYERS))}"


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = unit_of(path)
        if unit == "__init__":
            continue
        for target in imports_of(path):
            if target in LAYERS and LAYERS[target] > LAYERS[unit]:
                upward.append(f"{path.relative_to(PACKAGE.parent)} imports orchestrator.{target}")
    assert upward == []


def test_the_domain_model_imports_only_itself() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        assert imports_of(path) <= {"domain"}, path
