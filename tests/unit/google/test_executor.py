"""ReadExecutor: what a failed read becomes (may it have run? which method, which target?) and what it counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError

from orchestrator.google.errors import QuotaExhausted, TransportError
from orchestrator.google.pacing import ReadExecutor, RetryPolicy, WindowLimiter
from orchestrator.google.stats import ApiStats
from orchestrator.google.transport import ConnectTimedOut, RequestNotSent
from tests.unit.google.conftest import FakeTime, google_error

METHOD = "sheets.spreadsheets.values.batchGet"


@dataclass
class FakeHttp:
    bytes_received: int = 0


@dataclass
class FakeRequest:
    """Fails with `failures` in turn, then answers; each attempt 'receives' 10 bytes."""

    failures: list[Exception]
    http: FakeHttp
    methodId: str = METHOD
    uri: str = "https://sheets.googleapis.com/v4/spreadsheets/SID-1/values:batchGet"
    tries: list[int] = field(default_factory=list)

    def execute(self, num_retries: int) -> Any:
        assert num_retries == 0, "the executor retries, not googleapiclient"
        self.tries.append(num_retries)
        self.http.bytes_received += 10
        if self.failures:
            raise self.failures.pop(0)
        return {"ok": True}


def http_error(status: int, body: dict[str, Any]) -> HttpError:
    return HttpError(httplib2.Response({"status": status}), json.dumps(body).encode())


def executor(fake_time: FakeTime, attempts: int = 3, per_minute: float = 0,
             notify: Callable[[str], None] | None = None) -> tuple[ReadExecutor, FakeHttp]:
    http = FakeHttp()
    limiter = WindowLimiter(per_minute, clock=fake_time.clock, sleep=fake_time.sleep)
    return ReadExecutor("sheets", http, limiter, RetryPolicy(max_attempts=attempts), ApiStats(),  # type: ignore[arg-type]
                        sleep=fake_time.sleep, rand=lambda: 0.9, clock=fake_time.clock, notify=notify), http


def run(ex: ReadExecutor, http: FakeHttp, *failures: Exception, uri: str | None = None) -> Callable[[], Any]:
    request = FakeRequest(list(failures), http)
    if uri is not None:
        request.uri = uri
    return lambda: ex.execute(lambda: request, target="SID-1")


def refused() -> RequestNotSent:
    """What the transport raises when nothing listens: the socket's ConnectionRefusedError deep in its causes."""
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as inner:
            raise OSError("Failed to establish a new connection") from inner
    except OSError as outer:
        error = RequestNotSent("could not connect to http://127.0.0.1:9/v4/spreadsheets/SID-1")
        error.__cause__ = outer
        return error


def test_a_refused_connection_to_this_machine_is_not_retried_and_says_the_emulator_is_not_running(
        fake_time: FakeTime) -> None:
    said: list[str] = []
    ex, http = executor(fake_time, attempts=8, notify=said.append)
    with pytest.raises(TransportError) as raised:
        run(ex, http, refused(), uri="http://127.0.0.1:9/v4/spreadsheets/SID-1?fields=x")()
    assert ex.stats.method(METHOD).requests == 1 and ex.stats.backoff_seconds == 0 and said == []
    assert raised.value.may_have_run is False and raised.value.method == METHOD
    assert str(raised.value).startswith(f"{METHOD}: nothing is listening at http://127.0.0.1:9 (connection refused): "
                                        "the emulator is not running there. Start it (`python -m "
                                        "orchestrator.emulator --data emulator-data`"), str(raised.value)


@pytest.mark.parametrize("failure", [refused(), RequestNotSent("could not connect: name resolution failed")])
def test_a_refused_connection_elsewhere_or_another_not_sent_failure_is_still_retried(
        fake_time: FakeTime, failure: Exception) -> None:
    ex, http = executor(fake_time, attempts=3)
    uri = "https://sheets.googleapis.com/v4/spreadsheets/SID-1" if failure.__cause__ else "http://127.0.0.1:9/v4/x"
    assert run(ex, http, failure, uri=uri)() == {"ok": True}
    assert ex.stats.method(METHOD).requests == 2


def test_each_retry_is_said_with_what_why_and_after_how_long(fake_time: FakeTime) -> None:
    said: list[str] = []
    ex, http = executor(fake_time, attempts=4, notify=said.append)
    busy = http_error(503, google_error(503, "busy"))
    quota = http_error(429, google_error(429, "Quota exceeded", status_text="RESOURCE_EXHAUSTED"))
    assert run(ex, http, busy, quota, TimeoutError("no answer within 120 s"))() == {"ok": True}
    assert said == [
        f"retrying {METHOD} in 0.9 s (retry 1 of 3; reads are safe to repeat): Google answered 503 (server error)",
        f"retrying {METHOD} in 1.8 s (retry 2 of 3; reads are safe to repeat): Google answered 429 (rate limit)",
        f"retrying {METHOD} in 3.6 s (retry 3 of 3; reads are safe to repeat): no answer within 120 s"]


@pytest.mark.parametrize(("failure", "may_have_run"), [
    (ConnectionResetError("reset by peer"), True),  # sent, then the connection broke: it may have been served
    (TimeoutError("read timed out"), True),
    (RequestNotSent("refused"), False),
    (ConnectTimedOut("connect timed out"), False),
])
def test_a_transport_failure_says_whether_the_request_may_have_run(fake_time: FakeTime, failure: Exception,
                                                                   may_have_run: bool) -> None:
    ex, http = executor(fake_time, attempts=2)
    with pytest.raises(TransportError) as raised:
        run(ex, http, failure, failure)()
    assert raised.value.may_have_run is may_have_run
    assert raised.value.method == METHOD and str(raised.value).startswith(f"{METHOD}: {failure} (2 attempts over 1 s)")


def test_a_server_error_that_persists_names_the_method_and_what_google_said(fake_time: FakeTime) -> None:
    ex, http = executor(fake_time, attempts=2)
    failure = http_error(503, google_error(503, "The service is currently unavailable.", "backendError"))
    with pytest.raises(TransportError) as raised:
        run(ex, http, failure, failure)()
    error = raised.value
    assert str(error).startswith(f"Google answered 503 to {METHOD}: The service is currently unavailable.")
    assert "It failed after 2 attempts over 1 s." in str(error)  # one backoff of 0.9 × 1 s
    assert (error.status, error.reason, error.method, error.may_have_run) == (503, "backendError", METHOD, True)


def test_a_quota_that_stays_exhausted_says_so(fake_time: FakeTime) -> None:
    ex, http = executor(fake_time, attempts=2)
    failure = http_error(429, google_error(429, "Quota exceeded", status_text="RESOURCE_EXHAUSTED"))
    with pytest.raises(QuotaExhausted) as raised:
        run(ex, http, failure, failure)()
    assert str(raised.value).startswith(f"{METHOD}: Google kept answering 429 (rate limit) after 2 attempts over 1 s")
    assert (raised.value.status, raised.value.reason, raised.value.method) == (429, "RESOURCE_EXHAUSTED", METHOD)


def test_a_refusal_is_not_retried_and_names_its_target(fake_time: FakeTime) -> None:
    ex, http = executor(fake_time)
    with pytest.raises(Exception) as raised:
        run(ex, http, http_error(404, google_error(404, "Requested entity was not found.")))()
    assert "No spreadsheet 'SID-1'" in str(raised.value) and f"to {METHOD}:" in str(raised.value)
    assert ex.stats.method(METHOD).requests == 1


def test_every_counter_accumulates_over_calls_and_retries(fake_time: FakeTime) -> None:
    ex, http = executor(fake_time, attempts=3, per_minute=6)  # six reads in any 60 s: the 7th to 9th wait
    busy = http_error(503, google_error(503, "busy"))
    assert run(ex, http, busy, busy)() == {"ok": True}
    with pytest.raises(TransportError):
        run(ex, http, busy, busy, busy)()
    with pytest.raises(TransportError):
        run(ex, http, busy, busy, busy)()
    stats, method = ex.stats, ex.stats.method(METHOD)
    assert (method.calls, method.requests, method.retries, method.failures) == (3, 9, 6, 2)
    assert method.bytes == 90
    # Backoff: 0.9 × (1, 2) s per call, three calls.
    assert stats.backoff_seconds == pytest.approx(3 * (0.9 + 1.8))
    assert stats.limiter_wait_seconds == pytest.approx(fake_time.now - 1000.0 - stats.backoff_seconds)
    assert stats.limiter_wait_seconds > 12
    assert method.seconds == pytest.approx(fake_time.now - 1000.0)
