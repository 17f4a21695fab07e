"""The bridge's own reads in the shared limiter: before each `scripts.run` the client reserves the reads that bridge
function makes itself (its Advanced Sheets calls, which the user's quota counts like ours), so that the tool's reads
and the bridge's together stay under the budget. Every test runs on an injected clock."""

from __future__ import annotations

import re

import pytest
import responses

from orchestrator.emulator import REPO_ROOT
from orchestrator.google.pacing import WINDOW_SECONDS, WindowLimiter
from orchestrator.google.script import BRIDGE_READS, bridge_reads
from tests.unit.google.conftest import SCRIPT_RUN, FakeTime, make_clients

OP = "0123456789abcdef0123456789abcdef"
DONE = {"done": True, "response": {"result": {"status": "ok"}}}


def limiter(fake_time: FakeTime, per_minute: float = 50) -> WindowLimiter:
    return WindowLimiter(per_minute, clock=fake_time.clock, sleep=fake_time.sleep)


def test_a_reservation_waits_while_the_window_has_no_room_for_all_of_it(fake_time: FakeTime) -> None:
    window = limiter(fake_time)
    window.acquire()  # at 1000
    fake_time.now += 5
    for _ in range(39):
        window.acquire()  # at 1005: 40 in the window, room for 10
    with window.reserved(12) as waited:
        # two slots must leave: the one of 1000 (at 1060) and one of 1005 (at 1065)
        assert waited == pytest.approx(60.0)
    assert fake_time.now == pytest.approx(1065.0)


def test_a_reservation_that_fits_does_not_wait(fake_time: FakeTime) -> None:
    window = limiter(fake_time)
    for _ in range(26):
        window.acquire()
    with window.reserved(24) as waited:
        assert waited == 0.0
    assert fake_time.sleeps == []


def test_reads_after_a_reservation_see_its_slots_until_a_window_after_the_call(fake_time: FakeTime) -> None:
    window = limiter(fake_time)
    with window.reserved(20):
        fake_time.now += 30  # the bridge runs for 30 s, its reads at unknown moments
    # the reserved slots count from the call's end (1030), the latest the bridge can have read
    assert [window.acquire() for _ in range(30)] == [0.0] * 30
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)
    assert fake_time.now == pytest.approx(1090.0)


def test_reads_during_the_call_see_the_reserved_slots(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 10)
    with window.reserved(8):
        assert [window.acquire() for _ in range(2)] == [0.0, 0.0]
        assert window.acquire() == pytest.approx(WINDOW_SECONDS)


def test_more_than_the_budget_takes_the_whole_window_and_no_more(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 10)
    window.acquire()
    with window.reserved(24) as waited:  # capped at 10: it waits for the read of 1000 to leave
        assert waited == pytest.approx(WINDOW_SECONDS)
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)


def test_a_call_longer_than_the_window_is_still_counted_at_its_end(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 10)
    with window.reserved(10):
        fake_time.now += 2 * WINDOW_SECONDS
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)


def test_no_pacing_reserves_nothing(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 0)
    with window.reserved(24) as waited:
        assert waited == 0.0
    assert window.acquire() == 0.0 and fake_time.sleeps == []


def test_one_read_at_a_time_is_paced_as_before(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 3)
    assert [window.acquire() for _ in range(3)] == [0.0] * 3
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)


def test_scripts_run_reserves_the_bridge_functions_reads_in_the_readers_limiter(
        mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    free_during_the_call: list[int] = []

    def answer(request: object) -> tuple[int, dict[str, str], str]:
        free = 0
        while clients.limiter.acquire() == 0.0:  # reads made while the bridge runs, until one has to wait
            free += 1
        free_during_the_call.append(free)
        return 200, {}, '{"done": true, "response": {"result": {"status": "applied"}}}'

    mocked.add_callback("POST", SCRIPT_RUN, callback=answer)
    reserved = bridge_reads("applyMigration")
    with make_clients(fake_time, reads_per_minute=50) as clients:
        for _ in range(50 - reserved + 1):
            clients.limiter.acquire()  # one more than leaves room for the bridge's reads
        assert clients.script.run("applyMigration", {"opId": OP}) == {"status": "applied"}
        # the call waited for the earlier reads to leave the window, then held its slots throughout
        assert clients.stats.limiter_wait_seconds == pytest.approx(WINDOW_SECONDS)
        assert free_during_the_call == [50 - reserved]


def test_a_function_that_reads_nothing_reserves_nothing(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    mocked.add("POST", SCRIPT_RUN, json=DONE)
    with make_clients(fake_time, reads_per_minute=2) as clients:
        clients.limiter.acquire()
        clients.limiter.acquire()
        clients.script.run("bridgeInfo", {"opId": OP})
        assert fake_time.sleeps == [] and clients.stats.limiter_wait_seconds == 0.0


def test_an_unlisted_function_is_bounded_by_the_largest() -> None:
    assert bridge_reads("aFunctionAddedLater") == max(BRIDGE_READS.values())


def test_every_function_the_bridge_exposes_has_an_estimate() -> None:
    """Api.js holds the functions `scripts.run` may call; a new one needs its reads written down."""
    source = (REPO_ROOT / "appsscript" / "Api.js").read_text(encoding="utf-8")
    exposed = set(re.findall(r"^function ([A-Za-z]\w*[^_\W])\(", source, flags=re.MULTILINE))
    assert exposed and exposed == set(BRIDGE_READS)
