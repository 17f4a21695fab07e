"""The package works installed, not only from a checkout: a wheel built from this tree, installed into a fresh
virtualenv outside it, plans and applies against the emulator. Nothing it runs may read the source tree (the
bridge's build hash and scopes are baked in by `regen`: orchestrator/contract/bridge_build.py).

The new virtualenv gets the wheel alone; its dependencies come from this environment's site-packages through a
path line — a `.pth` *path* adds the folder without running that folder's own `.pth` hooks, so the editable
install of the checkout stays out of it (the test checks where `orchestrator` is imported from)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from orchestrator.emulator import REPO_ROOT, Emulator
from orchestrator.workbook import WorkbookOptions, build_workbook


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtualenv holding only the wheel of this tree."""
    wheels = tmp_path_factory.mktemp("wheels")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--disable-pip-version-check", "-w", str(wheels), str(REPO_ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("zeues_migrate-*.whl")
    target = tmp_path_factory.mktemp("installed") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                           "--disable-pip-version-check", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return target / "bin"


def _run(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEUES_", "PYTHON"))}
    return subprocess.run([str(bin_dir / "zeues-migrate"), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


def test_the_installed_package_plans_and_applies(installed: Path, emulator: Emulator, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import orchestrator; print(orchestrator.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert str(installed.parent) in where and str(REPO_ROOT) not in where, where
    sid = emulator.create_spreadsheet(build_workbook(WorkbookOptions(spools=25, seed=2)))
    flags = ["--endpoint", emulator.url, "--deployment-id", emulator.deployment_id, "--spreadsheet-id", sid,
             "--credentials", str(emulator.credentials_file(tmp_path / "token.json")), "--reads-per-minute", "0",
             "--checkpoint-dir", str(tmp_path / "checkpoints"), "--json"]
    plan = _run(installed, tmp_path, "plan", *flags)
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert json.loads(plan.stdout)["result"][0]["migration_id"] == "3.0"
    applied = _run(installed, tmp_path, "apply", "--execute", "--yes", *flags)
    assert applied.returncode == 0, applied.stderr[-3000:]
    (report,) = json.loads(applied.stdout)["result"]["runs"]
    assert report["status"] == "applied" and report["verification"]["status"] == "passed"


def test_rehearse_needs_the_checkout_and_says_so(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, tmp_path, "rehearse", "--json")
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "source checkout" in json.loads(done.stdout)["error"]["message"]


def test_the_installed_cli_ignores_zeues_failpoints(installed: Path, emulator: Emulator, tmp_path: Path) -> None:
    """The failpoints are armed only by the test suite's sitecustomize (tests/support/offline), which the wheel
    does not hold: the installed tool runs through a failpoint as if the variable were not set."""
    site = Path(subprocess.run([str(installed / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip())
    shipped = [p for p in site.rglob("*.py") if "zz_dependencies" not in p.name]
    assert not [p for p in shipped if p.name in ("sitecustomize.py", "local_only.py") or "tests" in p.parts]
    assert not [p for p in shipped if "environ" in p.read_text("utf-8") and "FAILPOINTS" in p.read_text("utf-8")]
    sid = emulator.create_spreadsheet(build_workbook(WorkbookOptions(spools=25, seed=3)))
    flags = ["--endpoint", emulator.url, "--deployment-id", emulator.deployment_id, "--spreadsheet-id", sid,
             "--credentials", str(emulator.credentials_file(tmp_path / "token.json")), "--reads-per-minute", "0",
             "--checkpoint-dir", str(tmp_path / "checkpoints"), "--json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEUES_", "PYTHON"))}
    env["ZEUES_FAILPOINTS"] = "after:snapshot,before:backup,before:apply"
    applied = subprocess.run([str(installed / "zeues-migrate"), "apply", "--execute", "--yes", *flags], cwd=tmp_path,
                             env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert applied.returncode == 0, (applied.returncode, applied.stderr[-3000:])
    assert json.loads(applied.stdout)["result"]["runs"][0]["status"] == "applied"
