"""`python3 tasks.py demo` installs only the Python venv (no `npm ci`: the emulator needs no npm package at run
time), while `setup` and `test` still install the npm packages the checks and clasp need."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Node's built-in modules the emulator may require without `node:` (anything else would come from node_modules).
_REQUIRE = re.compile(r"""\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]""")


def _tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zeues_tasks", ROOT / "tasks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _first_run(tasks: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Point the task runner at an empty checkout copy (nothing installed yet) and record what it would run."""
    for name in ("pyproject.toml", "constraints.txt", "package.json", "package-lock.json"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    (tmp_path / ".venv").mkdir()
    (tmp_path / "node_modules").mkdir()
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    monkeypatch.setattr(tasks, "VENV", tmp_path / ".venv")
    ran: list[list[str]] = []
    monkeypatch.setattr(tasks, "run", lambda *cmd, **_: ran.append([str(c) for c in cmd]) or 0)
    monkeypatch.setattr(sys, "argv", ["tasks.py", "demo"])
    return ran


def test_the_demo_first_run_installs_no_npm_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = _tasks()
    ran = _first_run(tasks, tmp_path, monkeypatch)
    tasks.demo()
    assert any("pip" in cmd and "install" in cmd for cmd in ran), ran  # the venv is installed
    assert not [cmd for cmd in ran if cmd[0] in ("npm", "npx")], ran
    assert ran[-1][0].endswith("zeues-migrate") and ran[-1][1] == "rehearse"
    assert not (tmp_path / "node_modules" / ".installed").exists()


def test_setup_and_test_still_install_the_npm_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tasks = _tasks()
    ran = _first_run(tasks, tmp_path, monkeypatch)
    tasks.setup()
    assert ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"] in ran
    called: list[str] = []
    monkeypatch.setattr(tasks, "setup", lambda: called.append("setup"))
    monkeypatch.setattr(tasks, "ROOT", ROOT)  # its Node test files
    tasks.test()
    assert called == ["setup"]
    assert any("node_modules/typescript/bin/tsc" in cmd for cmd in ran)


def test_the_emulator_requires_no_npm_package_at_run_time() -> None:
    """Every module the emulator and the bridge load is relative or built into Node: the demo (and rehearse)
    runs with no node_modules. Only the emulator's own tests use typescript."""
    builtin = {"assert", "buffer", "child_process", "crypto", "events", "fs", "fs/promises", "http", "https", "net",
               "os", "path", "process", "readline", "stream", "string_decoder", "timers", "url", "util", "vm",
               "worker_threads", "zlib", "perf_hooks", "async_hooks", "v8"}
    files = [p for p in [*(ROOT / "emulator").rglob("*.js"), *(ROOT / "appsscript").glob("*.js")]
             if "test" not in p.relative_to(ROOT).parts and "node_modules" not in p.parts]
    assert len(files) > 10
    packages = {}
    for path in files:
        for match in _REQUIRE.finditer(path.read_text(encoding="utf-8")):
            name = next(g for g in match.groups() if g)
            if not name.startswith((".", "/", "node:")) and name not in builtin:
                packages[str(path.relative_to(ROOT))] = name
    assert packages == {}, f"the emulator would need npm packages at run time: {packages}"
