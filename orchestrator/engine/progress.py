"""Progress of a run, for the operator's terminal (stderr) and the report's step timings."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")


class Progress:
    """Prints one line per step start/finish and a running row count; keeps each step's wall time."""

    def __init__(self, stream: TextIO | None = sys.stderr) -> None:
        self.stream = stream
        self.timings: dict[str, float] = {}
        self._started = time.perf_counter()
        self._step_started = self._started

    def begin_run(self) -> None:
        """Start a new run's timings (one Progress may report several runs)."""
        self.timings = {}

    def _say(self, text: str) -> None:
        if self.stream is not None:
            print(f"[{time.perf_counter() - self._started:7.1f}s] {text}", file=self.stream, flush=True)

    def step(self, name: str, note: str = "") -> None:
        self._step_started = time.perf_counter()
        self._say(f"{name}{': ' + note if note else ''} …")

    def done(self, name: str, note: str = "") -> None:
        self.timings[name] = round(time.perf_counter() - self._step_started, 3)
        self._say(f"{name} done{': ' + note if note else ''} ({self.timings[name]:.1f}s)")

    def skip(self, name: str, why: str) -> None:
        self.timings.setdefault(name, 0.0)
        self._say(f"{name}: {why}")

    def rows(self, label: str, chunks: Iterable[list[T]]) -> Iterator[list[T]]:
        """Pass chunks through, reporting rows seen."""
        seen = 0
        for chunk in chunks:
            seen += len(chunk)
            self._say(f"  {label}: {seen:,} rows")
            yield chunk
