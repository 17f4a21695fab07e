"""What each mutmut mutant changed, read from mutmut's own mutated sources: whether only a message changed.

A "message" mutant alters nothing but the text of a message (a string with a space in it, or a piece of an
f-string): it changes what a person reads, not what the tool does, so the score leaves it out (it is still
listed). Every other string change (a key, a render option, a status) counts.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^(?P<func>.+)__mutmut_(?P<n>\d+)$")


@dataclass(frozen=True)
class Mutant:
    key: str  # mutmut's name: orchestrator.engine.snapshot.x__trim__mutmut_4
    module: str  # orchestrator/engine/snapshot.py
    function: str
    exit_code: int | None  # mutmut's: 0 survived, 1 (or another failure) killed, None not run
    message_only: bool
    line: int  # in the original source, roughly: the mutated function's first line
    diff: str  # the first differing source lines, original → mutated

    @property
    def status(self) -> str:
        if self.exit_code is None:
            return "not run"
        if self.exit_code == 0:
            return "survived"
        if self.exit_code in (-24, 24, 36, 152):  # mutmut: a timeout
            return "timeout"
        return "killed"


def _differences(a: ast.AST, b: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """The smallest subtrees where `a` and `b` differ, pairwise."""
    if type(a) is not type(b):
        return [(a, b)]
    out: list[tuple[ast.AST, ast.AST]] = []
    for name in a._fields:
        x, y = getattr(a, name, None), getattr(b, name, None)
        if isinstance(x, ast.AST) and isinstance(y, ast.AST):
            out += _differences(x, y)
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, j in zip(x, y):
                out += _differences(i, j) if isinstance(i, ast.AST) and isinstance(j, ast.AST) else (
                    [] if i == j else [(a, b)])
        elif x != y or type(x) is not type(y):
            out.append((a, b))
    return out


def _is_message(node: ast.AST, pieces: set[int]) -> bool:
    """An f-string, a piece of one, or a string with a space in it: text for a person."""
    return isinstance(node, ast.JoinedStr) or id(node) in pieces or (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(re.search(r"\s", node.value)))


def _message_only(original: ast.AST, mutated: ast.AST) -> bool:
    pieces = {id(v) for n in ast.walk(original) if isinstance(n, ast.JoinedStr) for v in n.values}
    changed = _differences(original, mutated)
    # The text changed, or the whole message replaced by None: what a person reads, not what the tool does.
    return bool(changed) and all(_is_message(x, pieces) and (isinstance(y, (ast.Constant, ast.JoinedStr)))
                                 for x, y in changed)


def _first_difference(original: ast.AST, mutated: ast.AST) -> str:
    a, b = ast.unparse(original).splitlines(), ast.unparse(mutated).splitlines()
    for x, y in zip(a, b):
        if x != y:
            return f"{x.strip()}  →  {y.strip()}"
    return f"{len(a)} → {len(b)} lines"


def read_mutants(mutants_dir: Path, module: str, source: Path) -> list[Mutant]:
    """Every mutant of `module` (e.g. orchestrator/engine/snapshot.py) that mutmut made under `mutants_dir`."""
    mutated_file = mutants_dir / module
    meta = json.loads((mutated_file.parent / (mutated_file.name + ".meta")).read_text())
    codes: dict[str, int | None] = meta.get("exit_code_by_key", {})
    tree = ast.parse(mutated_file.read_text())
    functions: dict[str, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node
    original_lines: dict[str, int] = {}  # "name" for functions, "Class.name" for methods
    for top in ast.parse(source.read_text()).body:
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
            original_lines[top.name] = top.lineno
        elif isinstance(top, ast.ClassDef):
            original_lines.update({f"{top.name}.{n.name}": n.lineno for n in top.body
                                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
    dotted = module.removesuffix(".py").replace("/", ".")
    out = []
    for key, code in sorted(codes.items(), key=lambda kv: (kv[0].rsplit("_", 1)[0], int(kv[0].rsplit("_", 1)[1]))):
        name = key.removeprefix(dotted + ".")
        match = _NAME.match(name)
        if match is None or name not in functions:
            continue
        original = functions.get(match["func"] + "__mutmut_orig")
        mutated = functions[name]
        if original is None:
            continue
        # mutmut names a function `x_<name>` and a method `xǁ<Class>ǁ<name>`.
        func_name = (".".join(match["func"].split("ǁ")[1:]) if "ǁ" in match["func"]
                     else match["func"].removeprefix("x_"))
        out.append(Mutant(key=key, module=module, function=func_name, exit_code=code,
                          message_only=_message_only(_renamed(original), _renamed(mutated)),
                          line=original_lines.get(func_name, 0),
                          diff=_first_difference(_renamed(original), _renamed(mutated))))
    return out


def _renamed(node: ast.AST) -> ast.AST:
    copy = ast.parse(ast.unparse(node)).body[0]
    assert isinstance(copy, (ast.FunctionDef, ast.AsyncFunctionDef))
    copy.name = "f"
    return copy
