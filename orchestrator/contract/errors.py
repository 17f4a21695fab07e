"""Every stable error code of the tool, defined once: the codes the bridge throws (as `ZEUES_<CODE>: what is
wrong — what to do`), the codes of the orchestrator's own findings and failures, and the exit code each ends
the command with (orchestrator/exit_codes.py, docs/operator.md). `python3 tasks.py regen` writes the bridge's
`ERROR_CODES` into appsscript/Contract.js from the members with `bridge_throws`; docs/troubleshooting.md
explains every code (a test checks both).
"""

from __future__ import annotations

from enum import StrEnum

from orchestrator.exit_codes import ExitCode

BRIDGE_PREFIX = "ZEUES_"  # what the bridge puts before a code: `ZEUES_DRIFT: ...`

_BRIDGE, _TOOL = True, False  # whether the bridge throws the code, or only the orchestrator uses it


class ErrorCode(StrEnum):
    """A code (its value and name are the same text), with its exit code, whether the bridge throws it, and
    what it means. A member is a `str`, so it compares equal to the code text a finding or the bridge carries."""

    exit_code: ExitCode
    bridge_throws: bool
    meaning: str

    def __new__(cls, code: str, exit_code: ExitCode, bridge_throws: bool, meaning: str) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.exit_code, member.bridge_throws, member.meaning = exit_code, bridge_throws, meaning
        return member

    # Thrown by the bridge; the orchestrator's preflight refuses most of them first, with the same code.
    INVALID_REQUEST = "INVALID_REQUEST", ExitCode.REFUSED, _BRIDGE, "the request (or migration spec) is malformed"
    NOT_FOUND = ("NOT_FOUND", ExitCode.REFUSED, _BRIDGE,
                 "a spreadsheet, sheet, column, backup or migration was not found")
    LOCK_BUSY = "LOCK_BUSY", ExitCode.LOCK_BUSY, _BRIDGE, "another run holds the bridge's script lock"
    HOLD = "HOLD", ExitCode.REFUSED, _BRIDGE, "migrations are paused on this sheet"
    BLOCKED = ("BLOCKED", ExitCode.NEEDS_ATTENTION, _BRIDGE,
               "an unresolved failed or unfinished attempt is recorded in the history")
    DRIFT = "DRIFT", ExitCode.REFUSED, _BRIDGE, "the header changed since the plan (or the run's snapshot)"
    CONFLICT = ("CONFLICT", ExitCode.REFUSED, _BRIDGE,
                "the sheet contradicts the change (duplicate or blank headers, an existing column, tags vs header)")
    CHECKSUM = "CHECKSUM", ExitCode.REFUSED, _BRIDGE, "an applied migration's spec changed"
    ORDER = "ORDER", ExitCode.REFUSED, _BRIDGE, "migrations apply and roll back in version order"
    CELL_LIMIT = ("CELL_LIMIT", ExitCode.REFUSED, _BRIDGE,
                  "the change would pass Google's limit of cells per workbook, columns per sheet or characters "
                  "per cell")
    FAILED = "FAILED", ExitCode.SCRIPT_ERROR, _BRIDGE, "Google rejected the bridge's batchUpdate; nothing was changed"
    IS_BACKUP = ("IS_BACKUP", ExitCode.REFUSED, _BRIDGE,
                 "the spreadsheet is a ZEUES backup copy; run the change on its original")
    INCONSISTENT = ("INCONSISTENT", ExitCode.NEEDS_ATTENTION, _BRIDGE,
                    "the live structure (tags, headers, registry, schema version) and the history disagree; "
                    "`zeues-migrate repair` rebuilds the history from the live structure")
    CHANGE_IN_PROGRESS = ("CHANGE_IN_PROGRESS", ExitCode.LOCK_BUSY, _BRIDGE,
                          "another run has begun a change of this sheet (its backup is made, its change not yet)")
    NOT_OWNER = "NOT_OWNER", ExitCode.REFUSED, _BRIDGE, "only the spreadsheet's owner may do this"
    # The orchestrator's own.
    STALE_BRIDGE = "STALE_BRIDGE", ExitCode.REFUSED, _TOOL, "the deployed bridge is not this checkout's build"
    BACKUP_MISMATCH = ("BACKUP_MISMATCH", ExitCode.REFUSED, _TOOL,
                       "the backup read back is not the sheet that was snapshotted; nothing was applied")
    ALREADY_APPLIED = ("ALREADY_APPLIED", ExitCode.REFUSED, _TOOL,
                       "an info finding, not an error: the migration is applied already; nothing to do")
    CELL_BUDGET = ("CELL_BUDGET", ExitCode.REFUSED, _TOOL,
                   "a warning, not an error: the change leaves the workbook close to the cell limit")
    REFUSED = "REFUSED", ExitCode.REFUSED, _TOOL, "a step refused without a more precise code; nothing was changed"
    VERIFY_FAILED = ("VERIFY_FAILED", ExitCode.VERIFY_FAILED, _TOOL,
                     "the independent verification found the sheet not as it must be")
    VIOLATIONS = ("VIOLATIONS", ExitCode.VIOLATIONS, _TOOL,
                  "`verify` found cells that break their column's contract (type, empty, unique)")
    NEEDS_ATTENTION = ("NEEDS_ATTENTION", ExitCode.NEEDS_ATTENTION, _TOOL,
                       "a checkpoint or the live state needs a decision (an unreadable checkpoint, an edited "
                       "history sheet)")
    GRID_CHANGED = ("GRID_CHANGED", ExitCode.GRID_CHANGED, _TOOL,
                    "rows, columns or a sheet were deleted while the tool read the sheet; rerun to resume")
    CONFIG_INVALID = ("CONFIG_INVALID", ExitCode.USAGE, _TOOL,
                      "a configuration value is outside its accepted range (the message names the key and range)")
    LOCAL_IO = ("LOCAL_IO", ExitCode.LOCAL_IO, _TOOL,
                "a local file or folder cannot be written or read (disk full, permissions); the message names it")
    EXECUTION_TIMEOUT = ("EXECUTION_TIMEOUT", ExitCode.SCRIPT_ERROR, _TOOL,
                         "Apps Script stopped the bridge at its 6-minute execution limit")
    SCRIPT_ERROR = ("SCRIPT_ERROR", ExitCode.SCRIPT_ERROR, _TOOL,
                    "the bridge failed in a way it does not on purpose (a bug, an Apps Script service error)")

    @property
    def thrown(self) -> str:
        """The text the bridge throws the code as: `ZEUES_DRIFT`."""
        return BRIDGE_PREFIX + self.value

    @classmethod
    def of(cls, code: str | None) -> ErrorCode | None:
        """The member for a code text, None for an unknown one (a newer bridge's, or none at all)."""
        return cls._value2member_map_.get(code) if code else None  # type: ignore[return-value]


BRIDGE_ERROR_CODES: tuple[ErrorCode, ...] = tuple(c for c in ErrorCode if c.bridge_throws)
