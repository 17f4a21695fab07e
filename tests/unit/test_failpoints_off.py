"""Outside the test suite the failpoints cannot be armed: the package itself reads no ZEUES_FAILPOINTS (only the
tests' sitecustomize does, and it is not part of the wheel; tests/packaging checks the installed CLI)."""

from __future__ import annotations

import os
import subprocess
import sys

from orchestrator.emulator import REPO_ROOT

CODE = "from orchestrator.engine.failpoints import failpoint; failpoint('before:apply'); print('alive')"


def test_zeues_failpoints_without_the_test_sitecustomize_is_ignored() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")} | {
        "ZEUES_FAILPOINTS": "before:apply"}
    done = subprocess.run([sys.executable, "-c", CODE], env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout) == (0, "alive\n"), done.stderr[-2000:]


def test_the_package_never_reads_the_variable() -> None:
    readers = [path for path in (REPO_ROOT / "orchestrator").rglob("*.py")
               if "environ" in path.read_text(encoding="utf-8") and "FAILPOINTS" in path.read_text(encoding="utf-8")]
    assert readers == []
