"""Counts of Google API traffic, for the benchmark and `--json` output: calls by method, bytes, retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

# Where each HTTP request is reported (the engine's run log sets it); this layer knows nothing of the log itself.
RequestSink = Callable[[dict[str, Any]], None]
_sink: RequestSink | None = None
_api_method: str | None = None  # the logical API method the next request belongs to (`ApiStats.method`)


def set_request_sink(sink: RequestSink | None) -> None:
    global _sink
    _sink = sink


def current_method() -> str | None:
    return _api_method


def report_request(**fields: Any) -> None:
    if _sink is not None:
        _sink(fields)


class MethodStats(BaseModel):
    calls: int = 0  # logical calls (one per method invocation, however many attempts)
    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    rate_limited: int = 0  # 429s and rate-limit 403s seen
    failures: int = 0  # calls that ended in an error
    bytes: int = 0  # response body bytes
    seconds: float = 0.0  # wall time in the calls, limiter waits and backoff included


class ApiStats(BaseModel):
    """Mutable counters shared by every client of one `GoogleClients`."""

    methods: dict[str, MethodStats] = Field(default_factory=dict)
    limiter_wait_seconds: float = 0.0
    backoff_seconds: float = 0.0

    def method(self, name: str) -> MethodStats:
        global _api_method
        _api_method = name  # the run log names each HTTP request by the API method it serves
        return self.methods.setdefault(name, MethodStats())

    def total(self, field: str) -> float:
        return float(sum(getattr(m, field) for m in self.methods.values()))

    @property
    def calls(self) -> int:
        return int(self.total("calls"))

    @property
    def bytes(self) -> int:
        return int(self.total("bytes"))

    @property
    def retries(self) -> int:
        return int(self.total("retries"))

    @property
    def rate_limited(self) -> int:
        return int(self.total("rate_limited"))

    def lines(self) -> list[str]:
        """Human-readable summary, one line per method and a total."""
        out = [f"{name:<48} {m.calls:>5} calls {m.requests:>5} requests {m.retries:>3} retries "
               f"{m.rate_limited:>3} rate-limited {m.bytes / 1e6:>8.2f} MB {m.seconds:>7.2f} s"
               for name, m in sorted(self.methods.items())]
        out.append(f"{'total':<48} {self.calls:>5} calls {int(self.total('requests')):>5} requests "
                   f"{self.retries:>3} retries {self.rate_limited:>3} rate-limited {self.bytes / 1e6:>8.2f} MB; "
                   f"limiter waits {self.limiter_wait_seconds:.2f} s, backoff {self.backoff_seconds:.2f} s")
        return out
