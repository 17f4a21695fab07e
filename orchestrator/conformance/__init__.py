"""The live conformance suite: the emulator's fidelity checks, written once, run against the emulator (pytest,
`python3 tasks.py conformance`) and against Google (`python3 tasks.py conformance --live ...`).

- `target`: `Target` (base URLs, a host-guarded authorized session, the scratch spreadsheet, a deployment id),
  built for Google from an authorized-user file or for the emulator from its URL; `require_scratch`.
- `checks`: the checks, each a function of a `Target` with a stable name and its sources (`CHECKS`).
- `runner`: running them, the report, and the command line (`python -m orchestrator.conformance`).
"""

from __future__ import annotations

from orchestrator.conformance.checks import CHECKS, CHECKS_BY_NAME, Check, CheckFailed, CheckSkipped
from orchestrator.conformance.target import (NotScratch, Target, TokenLeak, emulator_target, live_target,
                                             require_scratch)

__all__ = ["CHECKS", "CHECKS_BY_NAME", "Check", "CheckFailed", "CheckSkipped", "NotScratch", "Target", "TokenLeak",
           "emulator_target", "live_target", "require_scratch"]
