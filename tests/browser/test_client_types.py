"""The sidebar's page script is type-checked with the DOM's types (`sidebar/tsconfig.json`, which
`python3 tasks.py test` runs beside the bridge's check), and the check fails on a type error in it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"
SIDEBAR = ROOT / "sidebar"


def tsc(project: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node and TSC.exists(), "run `python3 tasks.py setup` (node and the npm packages)"
    return subprocess.run([node, str(TSC), "-p", str(project), *extra], capture_output=True, text=True, timeout=300)


def test_the_check_covers_the_page_script_and_passes() -> None:
    listed = tsc(SIDEBAR / "tsconfig.json", "--listFilesOnly")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert str(SIDEBAR / "client.js") in listed.stdout.splitlines()
    checked = tsc(SIDEBAR / "tsconfig.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_type_error_in_the_page_script_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "sidebar"
    shutil.copytree(SIDEBAR, copy)
    script = copy / "client.js"
    # A server answer used as if it were another shape: the DOM and state types catch it.
    script.write_text(script.read_text(encoding="utf-8").replace(
        "byId(\"progress-line\").textContent = progress ? progress.line : \"\";",
        "byId(\"progress-line\").textContent = progress ? progress.lines : \"\";"), encoding="utf-8")
    assert "progress.lines" in script.read_text(encoding="utf-8")
    checked = tsc(copy / "tsconfig.json")
    assert checked.returncode != 0 and "lines" in checked.stdout, checked.stdout
