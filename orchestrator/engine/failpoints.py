"""Failpoints: a test-only hook that kills the process at a named point of a run, to prove resume works.

A failpoint named in `arm()` SIGKILLs the process when the run reaches it: no cleanup, no finally blocks, no
flushed buffers, exactly as a crash or a `kill -9` would leave things. Nothing in the package arms one: only the
test suite does, in-process, from the `sitecustomize.py` its CLI subprocesses load (tests/support/offline, not
part of the wheel; there `ZEUES_FAILPOINTS=after:backup,before:apply` names them). The installed tool reads no
variable for this, so nobody can kill an operator's run by setting one; unarmed, every failpoint is a no-op.

The points a run passes (`runs.py`), for a step S:
- `before:S` just before the bridge call of a step that has one (backup, apply, rollback);
- `reply:S`  after the bridge answered, before the checkpoint records it (the bridge acted, the run does not
  know yet: the rerun must replay the call with the same opId instead of acting twice);
- `after:S`  after the step is recorded in the checkpoint.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable

_armed: frozenset[str] = frozenset()


def arm(names: Iterable[str]) -> None:
    """Kill this process at each of `names` from now on (test-only: called by the test suite's sitecustomize)."""
    global _armed
    _armed = frozenset(name.strip() for name in names if name.strip())


def armed() -> frozenset[str]:
    return _armed


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if `name` was armed (test-only)."""
    if name in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
