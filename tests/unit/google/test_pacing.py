"""Retry backoff. The limiter's own tests: test_window_limiter.py."""

from orchestrator.google.pacing import RetryPolicy


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=32.0)
    assert [policy.delay(n, lambda: 1.0) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 32, 32]
    assert [policy.delay(n, lambda: 0.25) for n in range(1, 4)] == [0.25, 0.5, 1.0]
    assert policy.delay(5, lambda: 0.0) == 0.0  # full jitter: anywhere from zero
    assert policy.delay(1, lambda: 0.5, retry_after=20) == 20  # Google's Retry-After wins when longer
    assert policy.delay(1, lambda: 0.5, retry_after=3600) == 64  # but is bounded
