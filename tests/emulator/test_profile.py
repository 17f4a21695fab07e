"""The orchestrator's read executor against the emulator's Google-like profile (emulator/profile.js): it meets
Google's 429 for the per-user read quota, backs off and gets through once the window has room; past its attempts
it names the quota. The quota window is shortened so the test waits seconds, not a minute."""

from __future__ import annotations

import time
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from orchestrator.emulator import Emulator
from orchestrator.google import build_service
from orchestrator.google.errors import QuotaExhausted
from orchestrator.google.pacing import ReadExecutor, RetryPolicy, WindowLimiter
from orchestrator.google.stats import ApiStats
from orchestrator.google.transport import RequestsHttp

METHOD = "sheets.spreadsheets.values.batchGet"


def reader(emulator: Emulator, policy: RetryPolicy, sleeps: list[float],
           really_sleep: bool) -> tuple[Any, ReadExecutor, ApiStats]:
    http = RequestsHttp(Credentials(token=emulator.owner_token()), read_timeout=30)  # type: ignore[no-untyped-call]
    stats = ApiStats()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if really_sleep:
            time.sleep(seconds)

    # No pacing: the emulator's quota, not the limiter, decides here.
    executor = ReadExecutor("sheets", http, WindowLimiter(0), policy, stats, sleep=sleep, rand=lambda: 1.0)
    return build_service("sheets", http, emulator.url), executor, stats


def read(service: Any, executor: ReadExecutor, spreadsheet_id: str) -> Any:
    return executor.execute(lambda: service.spreadsheets().values().batchGet(
        spreadsheetId=spreadsheet_id, ranges=["Operaciones!A1"]), target=spreadsheet_id)


def test_read_executor_backs_off_on_the_profiles_429(emulator: Emulator, workbook_resource: dict[str, Any]) -> None:
    spreadsheet_id = emulator.create_spreadsheet(workbook_resource, bind_script=False)
    emulator.profile("google", {"quota": {"readPerMinutePerUser": 2, "windowMs": 1500}, "latencyScale": 0})
    sleeps: list[float] = []
    service, executor, stats = reader(emulator, RetryPolicy(max_attempts=6, base_seconds=0.4, cap_seconds=2), sleeps,
                                      really_sleep=True)

    results = [read(service, executor, spreadsheet_id) for _ in range(3)]

    assert all(r["valueRanges"][0]["values"] == [["id"]] for r in results)  # the third got through too
    counters = stats.method(METHOD)
    profile = emulator.state()["profile"]
    assert profile["quota"]["reads"]["rejected"] >= 1
    assert counters.rate_limited == profile["quota"]["reads"]["rejected"] == counters.retries == len(sleeps)
    assert counters.requests == 3 + counters.retries
    assert profile["quota"]["reads"]["accepted"] == 3
    assert sleeps[0] == pytest.approx(0.4)  # full jitter at its top (rand = 1): 0.4, 0.8, 1.6 ...


def test_read_executor_gives_up_naming_the_quota(emulator: Emulator, workbook_resource: dict[str, Any]) -> None:
    spreadsheet_id = emulator.create_spreadsheet(workbook_resource, bind_script=False)
    emulator.profile("google", {"quota": {"readPerMinutePerUser": 1}, "latencyScale": 0})
    sleeps: list[float] = []
    service, executor, stats = reader(emulator, RetryPolicy(max_attempts=3), sleeps, really_sleep=False)
    read(service, executor, spreadsheet_id)

    with pytest.raises(QuotaExhausted) as info:
        read(service, executor, spreadsheet_id)

    assert "read quota" in str(info.value)
    assert stats.method(METHOD).rate_limited == 3
    assert emulator.state()["profile"]["quota"]["reads"] == {"accepted": 1, "rejected": 3, "peakPerMinute": 1}
