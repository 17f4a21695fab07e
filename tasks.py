#!/usr/bin/env python3
"""The project's task runner: `python3 tasks.py demo | test | bench | setup | regen | conformance | mutate`.

Standard library only, because it runs before anything is installed: it creates `.venv` and
`node_modules` from the project's own pinned files, then runs the task. `make` is not assumed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = VENV_BIN / "python"


def run(*cmd: str | Path, check: bool = True, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)
    if check and code != 0:
        sys.exit(code)
    return code


def _stamp_ok(stamp: Path, inputs: list[Path]) -> tuple[bool, str]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs if p.exists())).hexdigest()
    return stamp.exists() and stamp.read_text() == digest, digest


def setup_python() -> None:
    """Install the Python venv when its pinned inputs changed: all the demo needs (the emulator is plain Node,
    with no npm package at run time)."""
    stamp = VENV / ".installed"
    ok, digest = _stamp_ok(stamp, [ROOT / "pyproject.toml", ROOT / "constraints.txt"])
    if not ok:
        if not PYTHON.exists():
            run(sys.executable, "-m", "venv", VENV)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-c", "constraints.txt", "-e", ".[test]")
        stamp.write_text(digest)


def setup_node() -> None:
    """Install the npm packages (clasp for deploying, typescript and the type packages for the checks) when
    package.json or package-lock.json changed."""
    npm_stamp = ROOT / "node_modules" / ".installed"
    ok, digest = _stamp_ok(npm_stamp, [ROOT / "package.json", ROOT / "package-lock.json"])
    if not ok:
        run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        npm_stamp.write_text(digest)


def setup() -> None:
    """Install the Python venv and the npm packages when their pinned inputs changed."""
    setup_python()
    setup_node()


BROWSER_PACKAGES = ("chromium", "chromium-driver")  # Debian's: tests/browser drives them with Selenium


def ensure_browser() -> None:
    """The sidebar's browser tests need headless Chromium and its driver from the system packages (nothing
    downloads a browser): installed here when root with apt-get, as in CI; otherwise one line and a failure."""
    if (shutil.which("chromium") or shutil.which("chromium-browser")) and shutil.which("chromedriver"):
        return
    if shutil.which("apt-get") and getattr(os, "geteuid", lambda: -1)() == 0:
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=apt)
        run("apt-get", "install", "-y", "-qq", *BROWSER_PACKAGES, env=apt)  # with its fonts
        return
    sys.exit(f"the browser tests need Chromium and its driver: install them (`sudo apt-get install "
             f"{' '.join(BROWSER_PACKAGES)}`), then run this again")


def test() -> None:
    """Every check CI runs: the workflow lint, type checks, the Node tests, the Python tests (with the browser
    tests of the sidebar). Fails if no test ran."""
    setup()
    ensure_browser()
    run(VENV_BIN / "actionlint", "-no-color")  # .github/workflows/*.yml; shellcheck on run: blocks if installed
    run("node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")
    run("node", "node_modules/typescript/bin/tsc", "-p", "sidebar/tsconfig.json")  # the sidebar's page script
    run(PYTHON, "-m", "mypy")
    node_tests = sorted((ROOT / "emulator" / "test").glob("*.test.js"))
    if not node_tests:
        sys.exit("no Node test files found under emulator/test/")
    run("node", "--test", *node_tests)
    # pytest exits 5 when it collected nothing; that is a failure here too.
    run(PYTHON, "-m", "pytest", *sys.argv[2:])


def demo() -> None:
    setup_python()  # no npm install: nothing the demo runs comes from node_modules
    run(VENV_BIN / "zeues-migrate", "rehearse", *sys.argv[2:])


def bench() -> None:
    """The benchmarks (orchestrator/bench.py, docs/benchmarks.md); `--suite google` also plots, with matplotlib."""
    setup()
    if subprocess.call([str(PYTHON), "-c", "import matplotlib"], stderr=subprocess.DEVNULL) != 0:
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",  # the `bench` extra, pinned
            "-c", "constraints.txt", "-e", ".[test,bench]")
    run(PYTHON, "-m", "orchestrator.bench", *sys.argv[2:])


def regen() -> None:
    """Regenerate the generated files (appsscript/Migrations.js, Contract.js, BuildInfo.js and
    orchestrator/contract/bridge_build.py)."""
    setup()
    run(PYTHON, "-m", "orchestrator.codegen")


def conformance() -> None:
    """The emulator's fidelity checks (orchestrator/conformance/): against a private emulator, or with
    `--live --credentials FILE --spreadsheet-id ID [--deployment-id AKfycb...]` against Google on a scratch
    spreadsheet (docs/operator.md). Exit 0: no check failed; 6: a check failed; 2: usage or a refusal."""
    setup()
    sys.exit(run(PYTHON, "-m", "orchestrator.conformance", *sys.argv[2:], check=False))


def mutate() -> None:
    """Mutation testing, before a release (slow; not part of `test`): mutmut over the unit-tested modules and the
    hand-written mutants of the guarantee code (tests/mutation/mutants.py), in a scratch copy under build/;
    the report goes to bench-results/mutation.md and .json (docs/testing.md). Exit 1 if a hand-written mutant
    survives. Args: --skip-mutmut, --skip-hand, --only NAME, --max-children N."""
    setup()
    if not (VENV_BIN / "mutmut").exists():  # the `mutate` extra, pinned like the rest
        run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-c", "constraints.txt", "-e", ".[test,mutate]")
    sys.exit(run(PYTHON, "-m", "tests.mutation.run", *sys.argv[2:], check=False))


TASKS = {"setup": setup, "test": test, "demo": demo, "bench": bench, "regen": regen, "conformance": conformance,
         "mutate": mutate}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}} [args...]")
    TASKS[sys.argv[1]]()
