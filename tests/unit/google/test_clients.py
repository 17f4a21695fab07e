import json
from pathlib import Path

import pytest
import responses

from orchestrator.config import Config
from orchestrator.google import GoogleClients, endpoints, new_op_id
from orchestrator.google.stats import ApiStats
from tests.support.tokens import FAKE_TOKEN, token_file


@pytest.mark.parametrize("base", ["http://127.0.0.1:8123", "http://127.0.0.1:8123/", "https://host.test/prefix"])
def test_an_endpoint_override_sends_every_api_to_the_base_url_with_the_token(mocked: responses.RequestsMock,
                                                                           base: str, tmp_path: Path) -> None:
    # A Google token to a non-Google endpoint needs the switch (tests/unit/test_endpoint_guard.py).
    root = base.rstrip("/")
    mocked.add("GET", f"{root}/v4/spreadsheets/S1", json={"spreadsheetId": "S1"})
    mocked.add("GET", f"{root}/drive/v3/files/F1", json={"id": "F1"})
    mocked.add("POST", f"{root}/v1/scripts/AKfycbEMU:run", json={"done": True, "response": {"result": {"v": 1}}})
    config = Config(endpoint=base, spreadsheet_id="S1", deployment_id="AKfycbEMU", reads_per_minute=0,
                    credentials=str(token_file(tmp_path / "token.json")), allow_foreign_endpoint=True)
    with GoogleClients.from_config(config, warn=lambda _: None) as clients:
        assert clients.credentials.kind == "user"
        clients.sheets.get_spreadsheet("S1", "spreadsheetId")
        clients.drive.get_file("F1")
        assert clients.script.run("bridgeInfo", {"opId": new_op_id()}) == {"v": 1}
        assert clients.stats.calls == 3
    assert len(mocked.calls) == 3
    assert all(c.request.headers["Authorization"] == f"Bearer {FAKE_TOKEN}" for c in mocked.calls)


def test_endpoints_mirror_root_url_plus_service_path() -> None:
    assert endpoints("http://x:1/") == {"sheets": "http://x:1/", "script": "http://x:1/", "drive": "http://x:1/drive/v3/"}


def test_from_config_loads_the_credentials_file(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "c", "client_secret": "s",
                                "refresh_token": "r"}))
    config = Config(spreadsheet_id="S", deployment_id="AKfycb1", credentials=str(path))
    with GoogleClients.from_config(config) as clients:
        assert clients.credentials.kind == "user" and str(path) in clients.credentials.source


def test_api_stats_summary() -> None:
    stats = ApiStats()
    stats.method("sheets.spreadsheets.values.batchGet").calls += 2
    stats.method("sheets.spreadsheets.values.batchGet").bytes += 1_500_000
    stats.method("drive.files.list").retries += 1
    lines = stats.lines()
    assert lines[0].startswith("drive.files.list") and "1.50 MB" in lines[1] and lines[-1].startswith("total")
    assert (stats.calls, stats.bytes, stats.retries) == (2, 1_500_000, 1)
    assert ApiStats.model_validate(stats.model_dump()).bytes == 1_500_000  # prints as JSON for --json
