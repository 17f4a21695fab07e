"""The exit codes of `zeues-migrate`, distinct per kind of outcome so scripts and CI can act on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug: the message says where; please report it
    USAGE = 2  # bad flags or configuration, credentials, deployment id, permissions
    LOCK_BUSY = 3  # another migration run holds the bridge's lock: retry when it finishes
    REFUSED = 4  # drift or validation: the sheet is not in a state the change accepts; nothing changed
    NEEDS_ATTENTION = 5  # a run was interrupted or failed and needs a decision (resume, resolve, discard)
    VERIFY_FAILED = 6  # the independent verification found the sheet not as it must be
    SCRIPT_ERROR = 7  # the bridge failed unexpectedly (a script error or the 6-minute limit)
    PENDING = 8  # `status --check`: migrations are waiting to be applied
    GOOGLE_UNAVAILABLE = 9  # Google (or the emulator) unreachable or quota exhausted after retries; rerun to resume
    # Rows, columns or a sheet were deleted while the tool read the sheet; rerun (once the edit is done) to resume.
    # Not 9: Google answered, the sheet moved. Not 4 or 5: nothing is wrong with the sheet, and no decision is needed.
    GRID_CHANGED = 10
    # `verify`: the structure is right but cells break their column contracts (a `version` that is a UUID). Not 6:
    # no migration step failed; the data the backends wrote needs fixing.
    VIOLATIONS = 11
    # A local file or folder cannot be written or read (disk full, no permission): the message names the path.
    # Not 1: nothing is wrong with the tool. Not 2: the command line may be right; the machine is not.
    LOCAL_IO = 12
    # Ctrl-C (SIGINT): 128 + 2, as shells report a process SIGINT killed. The message names the step it stopped in
    # and the command that resumes it.
    INTERRUPTED = 130


DESCRIPTIONS = {
    ExitCode.OK: "success",
    ExitCode.INTERNAL: "internal error (a bug)",
    ExitCode.USAGE: "usage, configuration, credentials or access problem",
    ExitCode.LOCK_BUSY: "another migration run holds the lock",
    ExitCode.REFUSED: "refused: drift or validation; nothing changed",
    ExitCode.NEEDS_ATTENTION: "an interrupted or failed run needs attention",
    ExitCode.VERIFY_FAILED: "verification failed",
    ExitCode.SCRIPT_ERROR: "the bridge failed (script error or time limit)",
    ExitCode.PENDING: "migrations pending (status --check)",
    ExitCode.GOOGLE_UNAVAILABLE: "Google unreachable or quota exhausted",
    ExitCode.GRID_CHANGED: "the sheet's structure changed while it was read; rerun to resume",
    ExitCode.VIOLATIONS: "cells break their column contracts (verify)",
    ExitCode.LOCAL_IO: "a local file or folder cannot be written or read (disk full, permissions)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); rerun the same command to resume",
}
