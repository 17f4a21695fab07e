"""Shared fixtures: Google clients wired to `responses`, a fake clock and recorded sleeps. Nothing here can
reach the network: `responses` refuses every request it was not told about."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import responses
from google.oauth2.credentials import Credentials as UserCredentials

from orchestrator.config import Config
from orchestrator.google import GoogleClients
from orchestrator.google.auth import LoadedCredentials

DEPLOYMENT_ID = "AKfycbTESTDEPLOYMENT"
SPREADSHEET_ID = "1SpreadsheetIdForTests"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
SCRIPT_RUN = f"https://script.googleapis.com/v1/scripts/{DEPLOYMENT_ID}:run"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
TOKEN_URI = "https://oauth2.googleapis.com/token"


@dataclass
class FakeTime:
    """A clock that only moves when something sleeps; every sleep is recorded."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def user_credentials(token: str = "token-1") -> LoadedCredentials:
    creds = UserCredentials(token=token, refresh_token="refresh-1", client_id="client.apps.googleusercontent.com",
                            client_secret="secret", token_uri=TOKEN_URI)
    return LoadedCredentials(creds, "user", "test")


def make_clients(fake_time: FakeTime, *, credentials: LoadedCredentials | None = None, rand: float = 0.5,
                 **settings: Any) -> GoogleClients:
    config = Config(spreadsheet_id=SPREADSHEET_ID, deployment_id=DEPLOYMENT_ID, credentials="unused.json",
                    **settings)
    return GoogleClients(config, credentials or user_credentials(), sleep=fake_time.sleep, rand=lambda: rand,
                         clock=fake_time.clock)


@pytest.fixture
def clients(fake_time: FakeTime) -> Iterator[GoogleClients]:
    with make_clients(fake_time) as google_clients:
        yield google_clients


def google_error(status: int, message: str, reason: str | None = None, *, detail_reason: str | None = None,
                 status_text: str = "") -> dict[str, Any]:
    """A Google JSON error body."""
    error: dict[str, Any] = {"code": status, "message": message, "status": status_text}
    if reason:
        error["errors"] = [{"message": message, "domain": "global", "reason": reason}]
    if detail_reason:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": detail_reason,
                             "domain": "googleapis.com"}]
    return {"error": error}
