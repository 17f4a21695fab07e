"""The sliding-window read limiter: at most N reads in any 60 s, the whole budget at once, one limiter for every
reader of a run, and after a 429 slots that come back one by one. Every test runs on an injected clock."""

from __future__ import annotations

import bisect
import threading

import pytest
import responses

from orchestrator.google.pacing import WINDOW_SECONDS, WindowLimiter, rested_wait
from tests.unit.google.conftest import SHEETS, SPREADSHEET_ID, FakeTime, make_clients

VALUES = {"valueRanges": [{"range": "x", "values": [["a"]]}]}
BATCH_GET_URL = f"{SHEETS}/{SPREADSHEET_ID}/values:batchGet"
DRIVE_LIST_URL = "https://www.googleapis.com/drive/v3/files"


def limiter(fake_time: FakeTime, per_minute: float = 50) -> WindowLimiter:
    return WindowLimiter(per_minute, clock=fake_time.clock, sleep=fake_time.sleep)


def max_in_any_window(stamps: list[float], window: float = WINDOW_SECONDS) -> int:
    return max(bisect.bisect_left(stamps, t + window) - i for i, t in enumerate(stamps))


def test_the_whole_budget_goes_at_once(fake_time: FakeTime) -> None:
    window = limiter(fake_time)
    assert [window.acquire() for _ in range(50)] == [0.0] * 50
    assert fake_time.sleeps == [] and fake_time.now == 1000.0


def test_the_next_read_waits_until_the_first_leaves_the_window(fake_time: FakeTime) -> None:
    window = limiter(fake_time)
    window.acquire()  # at 1000
    fake_time.now += 10
    for _ in range(49):
        window.acquire()  # at 1010
    assert window.acquire() == pytest.approx(50.0)  # the first leaves the window at 1060
    assert fake_time.now == pytest.approx(1060.0)
    assert window.acquire() == pytest.approx(10.0)  # then the 49 taken at 1010 leave at 1070


def test_a_read_exactly_a_window_later_does_not_wait(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 2)
    window.acquire()
    window.acquire()
    fake_time.now += WINDOW_SECONDS
    assert window.acquire() == 0.0 and window.acquire() == 0.0
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)


@pytest.mark.parametrize("per_minute", [50, 60, 2, 7.9])
def test_never_more_than_n_in_any_window_and_no_slower_than_needed(fake_time: FakeTime, per_minute: float) -> None:
    window = limiter(fake_time, per_minute)
    stamps = []
    for _ in range(300):
        window.acquire()
        stamps.append(fake_time.now)
    slots = int(per_minute)
    assert max_in_any_window(stamps) == slots
    assert stamps[-1] - stamps[0] == pytest.approx(((300 - 1) // slots) * WINDOW_SECONDS)
    assert window.slots == slots


def test_idle_time_frees_the_whole_budget_again(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 10)
    for _ in range(10):
        window.acquire()
    fake_time.now += 3600
    assert [window.acquire() for _ in range(10)] == [0.0] * 10
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)


def test_drain_after_a_429_brings_the_slots_back_one_by_one(fake_time: FakeTime) -> None:
    window = limiter(fake_time)
    window.acquire()
    window.drain()
    step = WINDOW_SECONDS / 50
    waits = [window.acquire() for _ in range(5)]
    assert waits == pytest.approx([step] * 5)
    assert fake_time.now == pytest.approx(1000.0 + 5 * step)
    # after one whole window the drained slots are all back
    fake_time.now = 1000.0 + WINDOW_SECONDS + 5 * step
    assert [window.acquire() for _ in range(50)] == [0.0] * 50


def test_zero_turns_pacing_off(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 0)
    for _ in range(1000):
        assert window.acquire() == 0.0
    window.drain()
    assert window.acquire() == 0.0
    assert fake_time.sleeps == [] and not window.enabled


def test_pacing_on(fake_time: FakeTime) -> None:
    assert limiter(fake_time, 2).enabled


@pytest.mark.parametrize("per_minute", [1, 1.5, 0.5])
def test_rejects_a_budget_under_two(per_minute: float) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        WindowLimiter(per_minute)


def test_a_sleep_cut_short_sleeps_again_for_the_rest(fake_time: FakeTime) -> None:
    """The wait returned is the time that passed on the clock, however the sleeps went."""
    slept: list[float] = []

    def short_sleep(seconds: float) -> None:
        slept.append(seconds)
        fake_time.now += min(seconds, 25.0)

    window = WindowLimiter(2, clock=fake_time.clock, sleep=short_sleep)
    window.acquire()
    window.acquire()
    assert window.acquire() == pytest.approx(WINDOW_SECONDS)
    assert slept == pytest.approx([60.0, 35.0, 10.0])


def test_rested_wait_is_a_window_per_further_budget() -> None:
    assert rested_wait(50, 0) == rested_wait(50, 50) == 0.0
    assert rested_wait(50, 51) == rested_wait(50, 100) == WINDOW_SECONDS
    assert rested_wait(50, 101) == 2 * WINDOW_SECONDS
    assert rested_wait(0, 10_000) == 0.0
    assert rested_wait(1, 1) == 0.0 and rested_wait(1, 3) == 2 * WINDOW_SECONDS  # one read a window
    assert rested_wait(2, 3) == WINDOW_SECONDS


def test_a_wait_under_a_second_is_waited_too(fake_time: FakeTime) -> None:
    window = limiter(fake_time, 2)
    window.acquire()
    fake_time.now += WINDOW_SECONDS - 0.25
    window.acquire()
    assert window.acquire() == pytest.approx(0.25)
    assert fake_time.sleeps == [pytest.approx(0.25)]
    assert window.acquire() == pytest.approx(WINDOW_SECONDS - 0.25)


def test_threads_share_the_budget(fake_time: FakeTime) -> None:
    lock = threading.Lock()

    def locked_clock() -> float:
        with lock:
            return fake_time.now

    window = WindowLimiter(20, clock=locked_clock, sleep=lambda s: None)
    granted: list[float] = []
    done = threading.Barrier(9)

    def take() -> None:
        for _ in range(5):
            if window._wait(locked_clock()) == 0.0:  # noqa: SLF001 - what acquire does, without sleeping
                granted.append(1)
        done.wait()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    done.wait()
    for t in threads:
        t.join()
    assert len(granted) == 20  # 40 tries, only the budget granted


def test_every_reader_of_the_clients_shares_one_limiter(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, json=VALUES)
    mocked.add("GET", DRIVE_LIST_URL, json={"files": []})
    with make_clients(fake_time, reads_per_minute=4) as clients:
        assert clients.limiter.per_minute == 4
        for _ in range(3):
            clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
        clients.drive.find_backup("ZEUES", "name")
        assert fake_time.sleeps == []  # four reads: the whole budget, at once
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])  # the fifth, Sheets or Drive alike, waits
        assert fake_time.sleeps == [pytest.approx(WINDOW_SECONDS)]
        assert clients.stats.limiter_wait_seconds == pytest.approx(WINDOW_SECONDS)


def test_a_429_drains_the_shared_limiter(mocked: responses.RequestsMock, fake_time: FakeTime) -> None:
    mocked.add("GET", BATCH_GET_URL, status=429, json={"error": {"code": 429, "message": "Quota exceeded",
                                                                 "status": "RESOURCE_EXHAUSTED"}})
    mocked.add("GET", BATCH_GET_URL, json=VALUES)
    with make_clients(fake_time, reads_per_minute=50, rand=0.0) as clients:
        clients.sheets.values_batch_get(SPREADSHEET_ID, ["x"])
        # the retry's backoff is 0 (rand 0): the wait before it is the drained limiter's, one slot's time
        assert clients.stats.limiter_wait_seconds == pytest.approx(WINDOW_SECONDS / 50)
        assert clients.stats.rate_limited == 1
