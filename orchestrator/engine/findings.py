"""Findings: what a check found, with a stable code (orchestrator/contract/errors.py: the bridge's codes, without
the ZEUES_ prefix, and the orchestrator's own) that the CLI maps to an exit code, and a message that says what
to do."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from orchestrator.contract.errors import ErrorCode

Level = Literal["error", "warning", "info"]


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: Level
    code: str  # an ErrorCode (orchestrator/contract/errors.py); a test checks every code the tool writes is one
    message: str


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == "error"]


class Refused(Exception):
    """A step refused to run; nothing was changed."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("; ".join(f.message for f in errors(findings)) or "refused")

    @property
    def code(self) -> str:
        first = errors(self.findings)
        return first[0].code if first else ErrorCode.REFUSED.value
