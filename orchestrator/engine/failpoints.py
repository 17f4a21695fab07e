"""Failpoints: a test-only hook that kills the process at a named point of a run, to prove resume works.

`ZEUES_FAILPOINTS=after:backup,before:apply zeues-migrate apply ...` SIGKILLs the process when the run
reaches either point: no cleanup, no finally blocks, no flushed buffers, exactly as a crash or a `kill -9`
would leave things. Unset (always, outside tests) every failpoint is a no-op.

The points a run passes (`runs.py`), for a step S:
- `before:S` just before the bridge call of a step that has one (backup, apply, rollback);
- `reply:S`  after the bridge answered, before the checkpoint records it (the bridge acted, the run does not
  know yet: the rerun must replay the call with the same opId instead of acting twice);
- `after:S`  after the step is recorded in the checkpoint.
"""

from __future__ import annotations

import os
import signal

ENV = "ZEUES_FAILPOINTS"


def armed() -> frozenset[str]:
    return frozenset(name.strip() for name in os.environ.get(ENV, "").split(",") if name.strip())


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if `name` is listed in ZEUES_FAILPOINTS (test-only)."""
    if name in armed():
        os.kill(os.getpid(), signal.SIGKILL)
