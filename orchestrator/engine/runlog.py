"""The structured run log: JSON lines, one per event (step begin/done/skip, each Google request, each refusal and
decision), kept in `<checkpoint dir>/<spreadsheet id>/logs/<run id>.jsonl` (`CheckpointStore.log_path`).

Events are buffered until the run's checkpoint is known (the log is named after the run id), then written; with
`--log-file` they also go to that file from the start, with `-v` to stderr as plain lines. Nothing here ever sees a
header, a body or a query string: only what the callers pass, so no token or credential can reach the file.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from orchestrator.google import stats

FORMAT = "zeues-migrate/runlog/1"


class RunLog:
    def __init__(self, command: str, *, log_file: Path | None = None, verbose: bool = False) -> None:
        self.command = command
        self.path: Path | None = None  # the run's own log, once attached
        self._buffer: list[str] = []
        self._outs: list[IO[str]] = []
        self._verbose = verbose
        self.log_file = log_file
        if log_file is not None:
            self._outs.append(_open(log_file))
        self.event("start", command=command, pid=os.getpid(), format=FORMAT)

    def event(self, kind: str, **fields: Any) -> None:
        record = {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "event": kind, **fields}
        line = json.dumps(record, ensure_ascii=False, default=str)
        if self.path is None:
            self._buffer.append(line)
        for out in self._outs:
            out.write(line + "\n")
            out.flush()
        if self._verbose:
            detail = " ".join(f"{k}={v}" for k, v in fields.items())
            # sys.stderr looked up now: under a progress bar rich swaps it for a proxy printing above the bar.
            print(f"{record['at']} {kind} {detail}", file=sys.stderr, flush=True)

    def attach(self, path: Path) -> None:
        """Write the buffered events, then every later one, to the run's log (appended: a resumed run's log goes
        on in the same file)."""
        if self.path == path:
            return
        out = _open(path)
        for line in self._buffer:
            out.write(line + "\n")
        out.flush()
        self._buffer = []
        self.path = path
        self._outs.append(out)

    def close(self) -> None:
        for out in self._outs:
            out.close()
        self._outs = []


def _open(path: Path) -> IO[str]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # 0600: the log names sheets and columns, which are the operator's data.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


# The log of the run this process is making: the Google transport writes its requests here (one process makes one
# run at a time; a rehearsal's several runs share it).
_active: RunLog | None = None


def activate(log: RunLog | None) -> None:
    global _active
    _active = log
    stats.set_request_sink(None if log is None else lambda fields: log.event("google", **fields))


def active() -> RunLog | None:
    return _active


def emit(kind: str, **fields: Any) -> None:
    if _active is not None:
        _active.event(kind, **fields)
