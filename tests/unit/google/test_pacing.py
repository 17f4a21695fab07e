import bisect

import pytest

from orchestrator.google.pacing import RetryPolicy, TokenBucket
from tests.unit.google.conftest import FakeTime


def max_in_any_window(stamps: list[float], window: float = 60.0) -> int:
    return max(bisect.bisect_left(stamps, t + window) - i for i, t in enumerate(stamps))


@pytest.mark.parametrize(("per_minute", "burst"), [(50, None), (60, None), (50, 1), (10, 9), (2, None)])
def test_never_more_than_n_in_any_sixty_seconds(fake_time: FakeTime, per_minute: float, burst: int | None) -> None:
    bucket = TokenBucket(per_minute, burst=burst, clock=fake_time.clock, sleep=fake_time.sleep)
    stamps = []
    for _ in range(300):
        bucket.acquire()
        stamps.append(fake_time.now)
    assert max_in_any_window(stamps) <= per_minute
    # and it is not slower than it has to be: after the burst, the refill rate
    elapsed = stamps[-1] - stamps[0]
    assert elapsed == pytest.approx((300 - bucket.capacity) / bucket.rate, rel=1e-6)


def test_idle_time_refills_only_up_to_the_burst(fake_time: FakeTime) -> None:
    bucket = TokenBucket(50, clock=fake_time.clock, sleep=fake_time.sleep)
    fake_time.now += 3600
    waits = [bucket.acquire() for _ in range(11)]
    assert waits[:10] == [0.0] * 10 and waits[10] > 0


def test_drain_after_a_429_gives_up_the_burst(fake_time: FakeTime) -> None:
    bucket = TokenBucket(50, clock=fake_time.clock, sleep=fake_time.sleep)
    bucket.drain()
    assert bucket.acquire() == pytest.approx(1 / bucket.rate)


def test_zero_turns_pacing_off(fake_time: FakeTime) -> None:
    bucket = TokenBucket(0, clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(1000):
        bucket.acquire()
    assert fake_time.sleeps == [] and not bucket.enabled


@pytest.mark.parametrize(("per_minute", "burst"), [(1, None), (10, 10), (10, 0)])
def test_rejects_impossible_settings(per_minute: float, burst: int | None) -> None:
    with pytest.raises(ValueError):
        TokenBucket(per_minute, burst=burst)


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=32.0)
    assert [policy.delay(n, lambda: 1.0) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 32, 32]
    assert [policy.delay(n, lambda: 0.25) for n in range(1, 4)] == [0.25, 0.5, 1.0]
    assert policy.delay(5, lambda: 0.0) == 0.0  # full jitter: anywhere from zero
    assert policy.delay(1, lambda: 0.5, retry_after=20) == 20  # Google's Retry-After wins when longer
    assert policy.delay(1, lambda: 0.5, retry_after=3600) == 64  # but is bounded
