"""One checkpoint file per run, written atomically, so a run killed at any point resumes where it stopped.

A checkpoint records which steps finished, what they produced, and the operation ids of the bridge calls
chosen before the first call: a rerun reuses them, so a call whose reply was lost is answered from the
bridge's record instead of acting twice (and a run never makes a second backup).
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import sys
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestrator.engine.private_files import LocalIOError, private_dir
from orchestrator.engine import runlog
from orchestrator.engine.runlog import RunLog

FORMAT: Literal["zeues-migrate/checkpoint/1"] = "zeues-migrate/checkpoint/1"
# The runs (engine/runs.py) and the one-call operations (engine/operations.py `once`): each keeps its opIds
# here before its first call, so a rerun after a lost reply replays instead of acting twice.
Action = Literal["apply", "rollback", "restore", "hold", "release", "resolve", "repair"]
ACTIONS: tuple[Action, ...] = ("apply", "rollback", "restore", "hold", "release", "resolve", "repair")


class CheckpointError(Exception):
    """A checkpoint file cannot be used; the message names the file and the fix."""


class StepRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finished_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)


class RunCheckpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["zeues-migrate/checkpoint/1"] = FORMAT
    run_id: str
    action: Action
    spreadsheet_id: str
    migration_id: str
    migration_checksum: str
    created_at: datetime
    op_ids: dict[str, str]
    steps: dict[str, StepRecord] = Field(default_factory=dict)

    def done(self, step: str) -> bool:
        return step in self.steps

    def data(self, step: str) -> dict[str, Any]:
        return self.steps[step].data


def _now() -> datetime:
    return datetime.now(timezone.utc)


def atomic_write(path: Path, text: str, *, inside: Path | None = None) -> None:
    """Write via a temp file in the same folder, fsync it, rename over the target, fsync the folder: a crash
    leaves either the old file or the new one, never a torn one. The file is 0600 in 0700 folders (sheet data,
    `private_files`); `inside` is the operator's folder above the tool's own. A full disk or a folder that cannot
    be written is a `LocalIOError` naming the path, and the old file stays as it was."""
    private_dir(path.parent, inside=inside)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # 0600
    except OSError as exc:
        raise LocalIOError(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, LocalIOError):
            raise LocalIOError(path, exc) from exc
        raise


class VerifyRecord(BaseModel):
    """The last `verify` of a spreadsheet from this checkout's folder, and when one last passed (for `status`)."""

    at: datetime
    status: str
    rows_checked: int
    cells_checked: int
    violations_total: int
    last_passed_at: datetime | None = None


VERIFY_RECORD = "verify-last.json"  # not `<action>-…`: never taken for a run in flight


class InFlight(BaseModel):
    """A run's checkpoint found on disk, not yet finished (open it with `CheckpointStore.load`)."""

    spreadsheet_id: str
    action: Action
    key: str  # the migration id, the backup id of a restore, or the operation's name
    path: Path
    log: Path | None = None  # its run log (CheckpointStore.log_path), when the checkpoint can be read


class CheckpointStore:
    """`<root>/<spreadsheet id>/<action>-<migration id>.json` for the run in progress; finished runs move to
    `<root>/<spreadsheet id>/finished/<run id>.json`. Each run's log is `<root>/<spreadsheet id>/logs/<run
    id>.jsonl`: it never moves (finished, discarded or in flight, the run id names it), and a resumed run goes on
    in the same file. `runlog`, when set, is attached to the run a checkpoint is started or loaded for."""

    def __init__(self, root: Path, log: RunLog | None = None) -> None:
        self.root = root
        self.runlog = log

    def log_path(self, checkpoint: RunCheckpoint) -> Path:
        return self.root / checkpoint.spreadsheet_id / "logs" / f"{checkpoint.run_id}.jsonl"

    def latest_log(self, spreadsheet_id: str) -> Path | None:
        """The log of the run that last wrote one for this spreadsheet (None when no run has)."""
        logs = list((self.root / spreadsheet_id / "logs").glob("*.jsonl"))
        return max(logs, key=lambda p: (p.stat().st_mtime, p.name)) if logs else None

    def _attach(self, checkpoint: RunCheckpoint, how: str) -> None:
        """Point the run log at this run's file. A store made without one (the one-call operations, `repair`)
        uses the process's active log, or starts one when a run starts: every run leaves a log."""
        if checkpoint.run_id == "dry-run":
            return
        log = self.runlog or runlog.active()
        if log is None and how == "started":
            log = runlog.RunLog(shlex.join(["zeues-migrate", *sys.argv[1:]]))
            runlog.activate(log)
        if log is not None:
            self.runlog = log
            log.attach(self.log_path(checkpoint))
            log.event("checkpoint", phase=how, run_id=checkpoint.run_id, action=checkpoint.action,
                      key=checkpoint.migration_id, steps_done=list(checkpoint.steps))

    def path(self, spreadsheet_id: str, action: Action, migration_id: str) -> Path:
        return self.root / spreadsheet_id / f"{action}-{migration_id}.json"

    def load(self, spreadsheet_id: str, action: Action, migration_id: str) -> RunCheckpoint | None:
        path = self.path(spreadsheet_id, action, migration_id)
        if not path.exists():
            return None
        fix = "inspect it, then move it aside (or run again with --discard-checkpoint) to start a fresh run"
        try:
            checkpoint = RunCheckpoint.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, ValidationError) as exc:
            raise CheckpointError(f"checkpoint {path} is unreadable or corrupted ({_first_line(exc)}); {fix}") from None
        if (checkpoint.spreadsheet_id, checkpoint.action, checkpoint.migration_id) != (
                spreadsheet_id, action, migration_id):
            raise CheckpointError(
                f"checkpoint {path} belongs to {checkpoint.action} {checkpoint.migration_id} on "
                f"{checkpoint.spreadsheet_id}, not this run; {fix}")
        self._attach(checkpoint, "found")  # a resume (or a dry run reading the run it would resume)
        return checkpoint

    def start(self, spreadsheet_id: str, action: Action, migration_id: str, checksum: str,
              steps_with_side_effects: list[str]) -> RunCheckpoint:
        checkpoint = RunCheckpoint(
            run_id=uuid.uuid4().hex, action=action, spreadsheet_id=spreadsheet_id, migration_id=migration_id,
            migration_checksum=checksum, created_at=_now(),
            op_ids={step: uuid.uuid4().hex for step in steps_with_side_effects})
        self.save(checkpoint)
        self._attach(checkpoint, "started")
        return checkpoint

    def save(self, checkpoint: RunCheckpoint) -> None:
        path = self.path(checkpoint.spreadsheet_id, checkpoint.action, checkpoint.migration_id)
        atomic_write(path, checkpoint.model_dump_json(indent=2) + "\n", inside=self.root)

    def record(self, checkpoint: RunCheckpoint, step: str, data: dict[str, Any] | None = None) -> None:
        checkpoint.steps[step] = StepRecord(finished_at=_now(), data=data or {})
        self.save(checkpoint)

    def finish(self, checkpoint: RunCheckpoint) -> Path:
        """Move the finished run out of the way, keeping it as a record."""
        path = self.path(checkpoint.spreadsheet_id, checkpoint.action, checkpoint.migration_id)
        done = private_dir(path.parent / "finished", inside=self.root) / f"{checkpoint.run_id}.json"
        try:
            os.replace(path, done)
        except OSError as exc:
            raise LocalIOError(done, exc, "move the finished checkpoint to") from exc
        return done

    def discard(self, spreadsheet_id: str, action: Action, migration_id: str) -> Path | None:
        """Move an unusable checkpoint aside (never deleted: it may be the only record of a crashed run)."""
        path = self.path(spreadsheet_id, action, migration_id)
        if not path.exists():
            return None
        # A time to read, and a random part: two discards in one second (or one microsecond) get two names.
        stamp = _now().strftime("%Y%m%dT%H%M%S.%fZ")
        for _ in range(8):
            aside = path.with_name(f"{path.stem}.discarded-{stamp}-{uuid.uuid4().hex[:8]}.json")
            try:
                # A hard link fails when the name exists, where a rename would overwrite it.
                os.link(path, aside)
                path.unlink()
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP) or aside.exists():
                    raise LocalIOError(aside, exc, "move the checkpoint aside to") from exc
                try:  # a file system without hard links: the random part keeps the name new
                    os.replace(path, aside)
                except OSError as again:
                    raise LocalIOError(aside, again, "move the checkpoint aside to") from again
            return aside
        raise LocalIOError(path, FileExistsError(errno.EEXIST, "every name tried for it exists"),
                           "move the checkpoint aside")

    def record_verify(self, spreadsheet_id: str, status: str, rows_checked: int, cells_checked: int,
                      violations_total: int) -> VerifyRecord:
        previous = self.last_verify(spreadsheet_id)
        now = _now()
        record = VerifyRecord(at=now, status=status, rows_checked=rows_checked, cells_checked=cells_checked,
                              violations_total=violations_total,
                              last_passed_at=now if status.startswith("passed") else (
                                  previous.last_passed_at if previous else None))
        atomic_write(self.root / spreadsheet_id / VERIFY_RECORD, record.model_dump_json(indent=2) + "\n",
                     inside=self.root)
        return record

    def last_verify(self, spreadsheet_id: str) -> VerifyRecord | None:
        """The last recorded verify; None when there is none, or it is unreadable (only informative: a status
        must not fail on it)."""
        try:
            return VerifyRecord.model_validate_json((self.root / spreadsheet_id / VERIFY_RECORD).read_text("utf-8"))
        except (OSError, ValidationError):
            return None

    def run_dir(self, checkpoint: RunCheckpoint) -> Path:
        """Where a run keeps its snapshot spill files (sheet data: a 0700 folder, created here)."""
        return private_dir(self.root / checkpoint.spreadsheet_id / checkpoint.run_id, inside=self.root)

    def in_flight(self, spreadsheet_id: str | None = None) -> list[InFlight]:
        """The runs not finished, of one spreadsheet or all; the only reader of checkpoint file names."""
        found = []
        for path in sorted(self.root.glob("*/*.json")):
            action, _, key = path.stem.partition("-")
            if ".discarded-" in path.name or action not in ACTIONS:
                continue
            if spreadsheet_id is None or path.parent.name == spreadsheet_id:
                found.append(InFlight(spreadsheet_id=path.parent.name, action=action, key=key, path=path,
                                      log=self._log_of(path)))
        return found


    def _log_of(self, path: Path) -> Path | None:
        """The log of an in-flight checkpoint file, if the file can be read (listing must not fail on it)."""
        try:
            return self.log_path(RunCheckpoint.model_validate_json(path.read_text(encoding="utf-8")))
        except (OSError, ValidationError):
            return None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
