"""Pacing and retrying reads: a sliding-window limiter under the per-user quota, and capped exponential backoff.

Sheets allows 60 read requests per minute per user and 300 per project, refilled every minute
(developers.google.com/sheets/api/limits). The limiter lets through at most `per_minute` requests in any
60-second window, the whole budget at once: a run that needs fewer reads than that never waits, one that
needs more waits only until its oldest read leaves the window. Every attempt, retries included, takes a
slot. One limiter serves every read of a `GoogleClients` (Sheets and Drive alike), whatever thread asks, and
holds slots for the bridge's own reads too, reserved before each `scripts.run` (script.py `BRIDGE_READS`): the
quota counts the bridge's Advanced Sheets calls as the user's reads.

Retries follow Google's advice for 429 (exponential backoff) with AWS-style full jitter: the n-th retry
sleeps uniform(0, min(cap, base·2^(n-1))) seconds, or Google's Retry-After when it says longer. Each retry is
announced (`notify`: a line on stderr) with what is retried, why and after how long, so a slow Google is never
silence. A refused connection to this machine is not retried: nothing listens there (the emulator is not
running), and no backoff will start it.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest
from pydantic import BaseModel, ConfigDict, Field

from orchestrator.google.auth import is_loopback
from orchestrator.google.errors import (
    Api,
    ErrorBody,
    GoogleError,
    QuotaExhausted,
    TransportError,
    connection_refused,
    endpoint_down,
    error_from_http,
    is_rate_limited,
    is_retryable_status,
)
from orchestrator.google.stats import ApiStats
from orchestrator.google.transport import NOT_SENT_EXCEPTIONS, TRANSIENT_EXCEPTIONS, RequestsHttp

Clock = Callable[[], float]
Sleep = Callable[[float], None]
Notify = Callable[[str], None]


WINDOW_SECONDS = 60.0  # Google refills the read quota every minute


class WindowLimiter:
    """At most `per_minute` acquisitions in any `window` seconds, all of them usable at once; `per_minute=0`
    turns pacing off. Thread-safe: one limiter is shared by every reader of a run."""

    def __init__(self, per_minute: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep,
                 window: float = WINDOW_SECONDS) -> None:
        if per_minute and per_minute < 2:
            raise ValueError(f"reads per minute must be 0 (no pacing) or at least 2, got {per_minute}")
        self.per_minute = per_minute
        self.slots = int(per_minute)  # whole requests: 50.5 per minute lets 50 through
        self.window = window
        self._clock, self._sleep = clock, sleep
        self._stamps: deque[float] = deque()  # when each acquisition still inside the window was granted
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def _wait(self, now: float, count: int = 1) -> float:
        """Seconds until `count` slots are free (0: take them now, recorded); under the lock."""
        while self._stamps and self._stamps[0] <= now - self.window:
            self._stamps.popleft()
        if len(self._stamps) + count <= self.slots:
            self._stamps.extend([now] * count)
            return 0.0
        # the window has room once this many of the oldest stamps have left it
        leaving = len(self._stamps) + count - self.slots
        return self._stamps[leaving - 1] + self.window - now

    def _take(self, count: int) -> tuple[float, float]:
        """Take `count` slots, sleeping until there are that many: (when they were granted, seconds waited)."""
        started = self._clock()
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait(now, count)
            if wait <= 0:
                return now, now - started
            self._sleep(wait)

    def acquire(self) -> float:
        """Take one slot, sleeping until there is one. Returns the seconds waited."""
        if not self.enabled:
            return 0.0
        return self._take(1)[1]

    @contextmanager
    def reserved(self, count: int) -> Iterator[float]:
        """Hold `count` slots for reads this process does not send itself (the bridge's Advanced Sheets reads inside
        one `scripts.run`, which the user's quota counts too): sleep until the window has room for all of them, take
        them, yield the seconds waited. More than the whole budget is capped at it (the call then starts on an
        empty window). The reads happen at unknown moments during the call, so on exit the slots are stamped
        again at the call's end, the latest they can have been made: they stay in the window until a full window
        after the call, never less."""
        if not self.enabled or count <= 0:
            yield 0.0
            return
        count = min(count, self.slots)
        granted, waited = self._take(count)
        try:
            yield waited
        finally:
            with self._lock:
                for _ in range(count):
                    try:
                        self._stamps.remove(granted)
                    except ValueError:  # already out of the window (a call longer than the window), or drained
                        break
                self._stamps.extend([self._clock()] * count)

    def drain(self) -> None:
        """After a 429 the quota is spent (other tools share it): fill the window so that slots come back one by
        one, evenly over the next window — the next read waits window/N, and so on — as a drained token bucket
        refills, instead of the whole budget at once."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            step = self.window / self.slots
            self._stamps = deque(now - self.window + step * (i + 1) for i in range(self.slots))


def rested_wait(per_minute: float, reads: int, window: float = WINDOW_SECONDS) -> float:
    """Seconds a rested limiter makes `reads` back-to-back requests wait in all: none for the first N, then a
    window for each further N (requests that take no time themselves)."""
    slots = int(per_minute)
    return max(0, reads - 1) // slots * window if slots > 0 else 0.0


class RetryPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=8, ge=1)  # first try included
    base_seconds: float = Field(default=1.0, gt=0)
    cap_seconds: float = Field(default=32.0, gt=0)

    def delay(self, retry: int, rand: Callable[[], float], retry_after: float | None = None) -> float:
        """Sleep before the `retry`-th retry (1-based): full jitter, or Retry-After when that is longer."""
        jittered = rand() * min(self.cap_seconds, self.base_seconds * 2.0 ** (retry - 1))
        if retry_after is not None:
            return max(jittered, min(retry_after, 2 * self.cap_seconds))
        return jittered


class ReadExecutor:
    """Runs read requests paced by a limiter and retried under a policy, counting everything in `stats`."""

    def __init__(self, api: Api, http: RequestsHttp, limiter: WindowLimiter, policy: RetryPolicy, stats: ApiStats,
                 *, sleep: Sleep = time.sleep, rand: Callable[[], float] = random.random,
                 clock: Clock = time.perf_counter, notify: Notify | None = None) -> None:
        self.api, self.http, self.limiter, self.policy, self.stats = api, http, limiter, policy, stats
        self._sleep, self._rand, self._clock = sleep, rand, clock
        self._notify = notify  # told of every retry (the CLI: a line on stderr); None: silent

    def execute(self, make_request: Callable[[], HttpRequest], *, target: str) -> Any:
        """Execute a fresh request per attempt (googleapiclient mutates long GETs into POSTs on execute)."""
        started = self._clock()
        method_name: str | None = None
        attempt = 0
        try:
            while True:
                attempt += 1
                request = make_request()
                method_name = method_name or str(getattr(request, "methodId", None) or self.api)
                counters = self.stats.method(method_name)
                if attempt == 1:
                    counters.calls += 1
                waited = self.limiter.acquire()
                self.stats.limiter_wait_seconds += waited
                counters.requests += 1
                before = self.http.bytes_received
                retry_after: float | None = None
                why = ""
                try:
                    return request.execute(num_retries=0)
                except HttpError as exc:
                    status, content = int(exc.resp.status), exc.content
                    body = ErrorBody(content)
                    if is_rate_limited(status, body):
                        counters.rate_limited += 1
                        self.limiter.drain()
                    if not is_retryable_status(status, body):
                        raise error_from_http(self.api, status, content, method=method_name, target=target) from exc
                    if attempt >= self.policy.max_attempts:
                        raise self._gave_up(method_name, status, content, target, attempt, started) from exc
                    retry_after = _retry_after(exc.resp)
                    kind = ("rate limit" if is_rate_limited(status, body) else
                            "server error" if status >= 500 else "retryable")
                    why = f"Google answered {status} ({kind})"
                except TRANSIENT_EXCEPTIONS as exc:
                    uri = str(getattr(request, "uri", "") or "")
                    if isinstance(exc, NOT_SENT_EXCEPTIONS) and is_loopback(uri) and connection_refused(exc):
                        raise endpoint_down(method_name, uri) from exc
                    why = str(exc)
                    if attempt >= self.policy.max_attempts:
                        raise TransportError(
                            f"{method_name}: {exc} ({attempt} attempts over {self._clock() - started:.0f} s). Check "
                            "the network and the endpoint, then rerun: reads are safe to repeat.",
                            may_have_run=not isinstance(exc, NOT_SENT_EXCEPTIONS), method=method_name) from exc
                finally:
                    counters.bytes += self.http.bytes_received - before
                counters.retries += 1
                delay = self.policy.delay(attempt, self._rand, retry_after)
                self.stats.backoff_seconds += delay
                if self._notify is not None:
                    self._notify(f"retrying {method_name} in {delay:.1f} s (retry {attempt} of "
                                 f"{self.policy.max_attempts - 1}; reads are safe to repeat): {why}")
                self._sleep(delay)
        except GoogleError:
            if method_name is not None:
                self.stats.method(method_name).failures += 1
            raise
        finally:
            if method_name is not None:
                self.stats.method(method_name).seconds += self._clock() - started

    def _gave_up(self, method: str, status: int, content: bytes, target: str, attempts: int,
                 started: float) -> GoogleError:
        error = error_from_http(self.api, status, content, method=method, target=target)
        spent = f"after {attempts} attempts over {self._clock() - started:.0f} s"
        if isinstance(error, QuotaExhausted):
            return QuotaExhausted(
                f"{method}: Google kept answering {status} (rate limit) {spent}: the read quota (60 per minute per "
                "user, 300 per project) is used up, probably by other tools reading with the same account or "
                "project. Wait a minute and rerun (a run resumes from its checkpoint), or lower "
                "`reads_per_minute`.", status=status, reason=error.reason, method=method)
        return TransportError(f"{error.message} It failed {spent}.", may_have_run=True, status=status,
                              reason=error.reason, method=method)


def _retry_after(resp: Any) -> float | None:
    value = resp.get("retry-after") if hasattr(resp, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from Google; the backoff applies
