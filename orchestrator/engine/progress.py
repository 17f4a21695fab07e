"""Progress of a run, for the operator's terminal (stderr) and the report's step timings.

On a terminal each row-reading pass shows a rich bar with its total and ETA; elsewhere (a pipe, a file, CI) one
plain timestamped line per step and per chunk. Never stdout: under `--json` stdout carries only the document.
Every step also goes to the run log (engine/runlog.py) when there is one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bar
from rich.progress import TimeRemainingColumn

from orchestrator.engine.runlog import RunLog

T = TypeVar("T")


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Prints each step's start/finish, a bar (terminal) or line (otherwise) per pass over rows; keeps each step's
    wall time; `current_step` is the step running now (None between steps), for "interrupted during <step>"."""

    def __init__(self, stream: TextIO | None = sys.stderr, log: RunLog | None = None,
                 bar: bool | None = None) -> None:
        self.stream = stream
        self.log = log
        self.bar = _isatty(stream) if bar is None else bar and stream is not None
        self.timings: dict[str, float] = {}
        self.current_step: str | None = None
        self._started = time.perf_counter()
        self._step_started = self._started

    def restart_clock(self) -> None:
        """Start the elapsed clock now (after a confirmation prompt: time at the prompt is not the run's)."""
        self._started = self._step_started = time.perf_counter()

    def begin_run(self) -> None:
        """Start a new run's timings (one Progress may report several runs)."""
        self.timings = {}

    def _say(self, text: str) -> None:
        if self.stream is not None:
            print(f"[{time.perf_counter() - self._started:7.1f}s] {text}", file=self.stream, flush=True)

    def _log(self, kind: str, **fields: Any) -> None:
        if self.log is not None:
            self.log.event(kind, **{k: v for k, v in fields.items() if v not in (None, "")})

    def step(self, name: str, note: str = "") -> None:
        self._step_started = time.perf_counter()
        self.current_step = name
        self._log("step", step=name, phase="begin", note=note)
        self._say(f"{name}{': ' + note if note else ''} …")

    def done(self, name: str, note: str = "") -> None:
        self.timings[name] = round(time.perf_counter() - self._step_started, 3)
        self.current_step = None
        self._log("step", step=name, phase="done", note=note, seconds=self.timings[name])
        self._say(f"{name} done{': ' + note if note else ''} ({self.timings[name]:.1f}s)")

    def skip(self, name: str, why: str) -> None:
        self.timings.setdefault(name, 0.0)
        self._log("step", step=name, phase="skip", note=why)
        self._say(f"{name}: {why}")

    def decision(self, what: str, **fields: Any) -> None:
        """What the engine decided (resumed a run, adopted a backup, …): the log only."""
        self._log("decision", decision=what, **fields)

    def failed(self, name: str, exc: BaseException) -> None:
        """A step ended by an exception: a refusal (its code and message) or a failure, for the log. The step
        stays current: a Ctrl-C here is still "interrupted during <step>"."""
        code = getattr(exc, "code", None)
        kind = "refusal" if type(exc).__name__ == "Refused" else (
            "interrupted" if isinstance(exc, KeyboardInterrupt) else "failure")
        self._log(kind, step=name, code=str(code) if code is not None else type(exc).__name__,
                  message=str(exc)[:2000])

    def rows(self, label: str, chunks: Iterable[list[T]], total: int | None = None) -> Iterator[list[T]]:
        """Pass chunks through, reporting rows seen (of `total` when known: a bar with an ETA on a terminal)."""
        total = total if total is not None else _grid_rows(chunks)
        seen = 0
        if not self.bar:
            for chunk in chunks:
                seen += len(chunk)
                self._say(f"  {label}: {seen:,}{f' of {total:,}' if total else ''} rows")
                yield chunk
            self._log("rows", label=label, rows=seen, total=total)
            return
        with self._bar() as bar:
            task = bar.add_task(label, total=total)
            for chunk in chunks:
                seen += len(chunk)
                bar.update(task, completed=seen)
                yield chunk
            bar.update(task, completed=seen, total=max(seen, total or 0))
        self._log("rows", label=label, rows=seen, total=total)

    def count(self, label: str, items: Iterable[T], total: int | None, unit: str = "rows") -> Iterator[T]:
        """Pass single items through (rows generated, cells checked, …) with the same bar or lines; lines every
        10 % of the total (or 10,000 items)."""
        seen = 0
        every = max(1, (total or 100_000) // 10)
        if not self.bar:
            for item in items:
                seen += 1
                if seen % every == 0:
                    self._say(f"  {label}: {seen:,}{f' of {total:,}' if total else ''} {unit}")
                yield item
            return
        with self._bar() as bar:
            task = bar.add_task(label, total=total)
            for item in items:
                seen += 1
                if seen % 256 == 0:
                    bar.update(task, completed=seen)
                yield item
            bar.update(task, completed=seen, total=max(seen, total or 0))

    def _bar(self) -> Bar:
        console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        return Bar(TextColumn("  {task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                   TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console, transient=False,
                   refresh_per_second=8)


def _grid_rows(chunks: Iterable[Any]) -> int | None:
    """The rows a `SheetsReader.iter_rows` pass will read: its grid's rows from its first row. Read off the
    generator's arguments so that no caller has to repeat them (None for any other iterable)."""
    frame = getattr(chunks, "gi_frame", None)
    found = frame.f_locals if frame is not None else {}
    rows, first, last = getattr(found.get("grid"), "rows", None), found.get("first_row"), found.get("last_row")
    if isinstance(rows, int) and isinstance(first, int):
        return max(0, (min(rows, last) if isinstance(last, int) else rows) - first + 1)
    return None
