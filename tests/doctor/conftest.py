"""Fixtures for `zeues-migrate doctor` end to end: emulators running the real bridge (and a stale copy of it),
and the real CLI driven as a subprocess, as an operator or CI runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codegen import BRIDGE_DIR, BUILD_INFO_JS, bridge_build_hash
from orchestrator.emulator import Emulator, running_emulator
from orchestrator.workbook import WorkbookOptions, build_workbook

_VENV_CLI = Path(sys.executable).with_name("zeues-migrate")
ZEUES = str(_VENV_CLI) if _VENV_CLI.exists() else (shutil.which("zeues-migrate") or "zeues-migrate")


@dataclass
class Doctor:
    code: int
    doc: dict[str, Any] | None
    stdout: str
    stderr: str

    @property
    def checks(self) -> dict[str, dict[str, Any]]:
        assert self.doc is not None, self.stderr
        return {c["check"]: c for c in self.doc["result"]}

    def failed(self) -> list[str]:
        return [name for name, c in self.checks.items() if c["status"] == "fail"]


def run_doctor(*args: str, cwd: Path, as_json: bool = True, env: dict[str, str] | None = None) -> Doctor:
    """`zeues-migrate doctor ARGS [--json]` with no ZEUES_* from the developer's shell and no terminal."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZEUES_")}
    cmd = [ZEUES, "doctor", *args, *(["--json"] if as_json else [])]
    done = subprocess.run(cmd, cwd=cwd, env={**clean, **(env or {})}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    doc = json.loads(done.stdout) if as_json and done.stdout.strip() else None
    if doc is not None:
        assert doc["exitCode"] == done.returncode
    return Doctor(done.returncode, doc, done.stdout, done.stderr)


def connect(emulator: Emulator, spreadsheet_id: str, checkpoints: Path) -> list[str]:
    return ["--endpoint", emulator.url, "--deployment-id", emulator.deployment_id, "--spreadsheet-id",
            spreadsheet_id, "--reads-per-minute", "0", "--read-attempts", "1", "--checkpoint-dir", str(checkpoints),
            "--credentials", str(emulator.credentials_file())]


@pytest.fixture(scope="package")
def workbook() -> dict[str, Any]:
    return build_workbook(WorkbookOptions(spools=30, seed=7))


def stale_copy(folder: Path) -> Path:
    """A copy of appsscript/ one byte different in a .js file, with its BuildInfo.js regenerated as `regen`
    would: a bridge built from other sources, i.e. a deployment of another commit."""
    shutil.copytree(BRIDGE_DIR, folder)
    api = folder / "Api.js"
    text = api.read_text(encoding="utf-8")
    api.write_text(text.replace("// The bridge's API", "// The bridge's APi", 1), encoding="utf-8")
    assert api.read_text(encoding="utf-8") != text
    info = folder / BUILD_INFO_JS
    info.write_text(info.read_text(encoding="utf-8").replace(bridge_build_hash(), bridge_build_hash(folder)),
                    encoding="utf-8")
    assert bridge_build_hash(folder) != bridge_build_hash()
    return folder


@pytest.fixture(scope="package")
def stale_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    script = stale_copy(tmp_path_factory.mktemp("stale") / "appsscript")
    with running_emulator(tmp_path_factory.mktemp("doctor-stale-emulator"), script) as emu:
        yield emu
