"""The test-only failpoints: a no-op unless named in ZEUES_FAILPOINTS (read by the tests' sitecustomize), then a
SIGKILL of the process itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.support.cli import OFFLINE

CODE = "from orchestrator.engine.failpoints import failpoint; failpoint('before:apply'); print('alive')"


def _run(failpoints: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ZEUES_FAILPOINTS"} | {"PYTHONPATH": str(OFFLINE)}
    if failpoints is not None:
        env["ZEUES_FAILPOINTS"] = failpoints
    return subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=60)


def test_unset_or_other_names_do_nothing() -> None:
    for value in (None, "", "after:apply", "before:applyx, after:backup"):
        done = _run(value)
        assert (done.returncode, done.stdout) == (0, "alive\n")


def test_a_named_failpoint_kills_the_process() -> None:
    done = _run("after:backup, before:apply")
    assert done.returncode == -signal.SIGKILL and done.stdout == ""
