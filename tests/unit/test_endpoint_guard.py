"""Credentials go only to Google's hosts over https or to this machine (issue 12, finding 10): which endpoint
and token pairs pass, which need `allow_foreign_endpoint` (with a warning), which are refused always; and the
transport's own last line against plain http."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from google.auth.credentials import AnonymousCredentials

from orchestrator.cli.common import classify
from orchestrator.config import Config, load_config
from orchestrator.exit_codes import ExitCode
from orchestrator.google import GoogleClients
from orchestrator.google.auth import EndpointRefused, LoadedCredentials, guard_endpoint, is_google
from orchestrator.google.errors import TransportError
from orchestrator.google.transport import RequestsHttp
from tests.support.tokens import token_file
from tests.unit.google.conftest import user_credentials


def _local() -> LoadedCredentials:
    loaded = user_credentials()
    return LoadedCredentials(loaded.credentials, "user", "emulator file", local=True)


GOOGLE, LOCAL = user_credentials(), _local()


@pytest.mark.parametrize(("endpoint", "credentials", "allowed", "outcome"), [
    (None, GOOGLE, False, "ok"),
    ("https://sheets.googleapis.com", GOOGLE, False, "ok"),
    ("https://eu-sheets.googleapis.com/", GOOGLE, False, "ok"),
    ("http://127.0.0.1:8123", LOCAL, False, "ok"),
    ("http://localhost:8123", LOCAL, False, "ok"),
    ("http://[::1]:8123", LOCAL, False, "ok"),
    ("http://127.0.0.1:8123", GOOGLE, False, "needs the switch"),
    ("http://127.0.0.1:8123", GOOGLE, True, "warning"),
    ("https://proxy.example.com", GOOGLE, False, "needs the switch"),
    ("https://proxy.example.com", GOOGLE, True, "warning"),
    ("https://proxy.example.com", LOCAL, False, "needs the switch"),
    ("https://googleapis.com.example.com", GOOGLE, False, "needs the switch"),
    ("http://sheets.googleapis.com", GOOGLE, True, "refused"),
    ("http://proxy.example.com", GOOGLE, True, "refused"),
    ("http://10.0.0.5:8080", LOCAL, True, "refused"),
])
def test_which_endpoint_a_token_may_go_to(endpoint: str | None, credentials: LoadedCredentials, allowed: bool,
                                          outcome: str) -> None:
    config = Config(endpoint=endpoint, allow_foreign_endpoint=allowed)
    if outcome in ("ok", "warning"):
        warning = guard_endpoint(config, credentials)
        assert (warning is None) == (outcome == "ok")
        if warning:
            assert warning.startswith("warning:") and str(config.endpoint) in warning
        return
    with pytest.raises(EndpointRefused) as caught:
        guard_endpoint(config, credentials)
    message = str(caught.value)
    assert "--allow-foreign-endpoint" in message and str(config.endpoint) in message
    assert ("does not lift this" in message) == (outcome == "refused")
    assert classify(caught.value)[:2] == (ExitCode.USAGE, "CONFIG_INVALID")


def test_anonymous_credentials_carry_nothing_to_guard() -> None:
    anonymous = LoadedCredentials(AnonymousCredentials(), "user", "test")  # type: ignore[no-untyped-call]
    assert guard_endpoint(Config(endpoint="http://google.test"), anonymous) is None


def test_google_hosts() -> None:
    assert is_google("https://sheets.googleapis.com/v4") and is_google("https://GOOGLEAPIS.COM.")
    assert not is_google("http://sheets.googleapis.com") and not is_google("https://evilgoogleapis.com")


def test_the_refusal_names_where_the_endpoint_came_from(tmp_path: Path) -> None:
    config = load_config({"credentials": str(token_file(tmp_path / "t.json"))},
                         {"ZEUES_GOOGLE_ENDPOINT": "http://127.0.0.1:9"}, tmp_path, require=())
    with GoogleClients.from_config(config) as clients, pytest.raises(EndpointRefused) as caught:
        _ = clients.sheets
    assert "from env ZEUES_GOOGLE_ENDPOINT" in str(caught.value) and str(tmp_path / "t.json") in str(caught.value)
    assert "ZEUES_ALLOW_FOREIGN_ENDPOINT=1" in str(caught.value)


def test_the_warning_is_given_once_and_before_any_request(tmp_path: Path) -> None:
    config = Config(endpoint="https://proxy.example.com", allow_foreign_endpoint=True, deployment_id="AKfycbX")
    warnings: list[str] = []
    with responses.RequestsMock() as mocked:
        with GoogleClients(config, GOOGLE, warn=warnings.append) as clients:
            _ = clients.sheets, clients.drive, clients.script
        assert len(mocked.calls) == 0
    assert len(warnings) == 1 and "https://proxy.example.com" in warnings[0]


def test_the_transport_never_sends_a_token_over_plain_http_to_another_host() -> None:
    http = RequestsHttp(GOOGLE.credentials, read_timeout=5)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add("GET", "http://proxy.example.com/v4/x", json={})
        with pytest.raises(TransportError, match="plain http") as caught:
            http.request("http://proxy.example.com/v4/x")
        assert len(mocked.calls) == 0 and caught.value.may_have_run is False
        mocked.add("GET", "http://127.0.0.1:9/v4/x", json={})
        assert http.request("http://127.0.0.1:9/v4/x")[0].status == 200
