"""Hostile access settings: a wrong spreadsheet id, an unknown deployment, and credentials that cannot work.
Each is refused with exit 2 (usage, configuration, credentials or access), a message that says what is wrong
and how to fix it, and the real workbook left exactly as it was (no backup made either)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from orchestrator.exit_codes import ExitCode
from tests.hostile.conftest import Fingerprint, refused
from tests.support.cli import Cli


class TokenServer:
    """A local OAuth token endpoint (no network): answers every refresh with `invalid_grant`, the answer Google
    gives for an expired or revoked refresh token, or with `access_token` when `grant` is True."""

    def __init__(self, grant: bool, access_token: str) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append(self.rfile.read(length).decode())
                if grant:
                    status, body = 200, {"access_token": access_token, "expires_in": 3600,
                                         "token_type": "Bearer"}
                else:
                    status, body = 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the test output
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_server(request: pytest.FixtureRequest) -> Iterator[Callable[..., TokenServer]]:
    servers: list[TokenServer] = []

    def start(grant: bool, access_token: str = "ya29.local-test-token") -> TokenServer:
        servers.append(TokenServer(grant, access_token))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_wrong_spreadsheet_id(cli: Cli, new_sheet: Callable[..., str], observe: Fingerprint) -> None:
    real = new_sheet()
    before = observe(real)
    for verb in (["plan"], ["apply", "--execute", "--yes"]):
        run = cli(*verb, sid="1NoSuchSpreadsheetIdAtAll0000000000000000000")
        refused(run, ExitCode.USAGE, "NotFound", "No spreadsheet '1NoSuchSpreadsheetIdAtAll", "check the id",
                "--spreadsheet-id", "shared with the account")
    assert observe(real) == before


def test_an_unknown_deployment(cli: Cli, new_sheet: Callable[..., str], observe: Fingerprint) -> None:
    sid = new_sheet()
    before = observe(sid)
    run = cli("apply", "--execute", "--yes", sid=sid, deployment_id="AKfycbNoSuchDeploymentAnywhere")
    refused(run, ExitCode.USAGE, "DeploymentNotFound", "No API-executable deployment 'AKfycbNoSuchDeploymentAnywhere'",
            "clasp deployments", "--deployment-id")
    # The script id where the deployment id belongs: said so.
    run = cli("apply", "--execute", "--yes", sid=sid, deployment_id="1x2Y3zTheScriptIdNotTheDeployment")
    refused(run, ExitCode.USAGE, "DeploymentNotFound", "probably the script id", "starts with AKfycb")
    assert observe(sid) == before


def test_credentials_that_are_not_json(cli: Cli, new_sheet: Callable[..., str], observe: Fingerprint,
                                       tmp_path: Path) -> None:
    sid = new_sheet()
    before = observe(sid)
    path = tmp_path / "token.json"
    path.write_text("client_id=123\nrefresh_token=abc\n")
    run = cli("apply", "--execute", "--yes", sid=sid, credentials=str(path))
    refused(run, ExitCode.USAGE, "CredentialsError", str(path), "is not JSON", "authorized-user JSON",
            "zeues-migrate login --client-secrets")
    assert observe(sid) == before


def _service_account_key(token_uri: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "zeues-test", "private_key_id": "0123456789abcdef",
            "private_key": pem, "client_email": "migrator@zeues-test.iam.gserviceaccount.com",
            "client_id": "1234567890", "token_uri": token_uri}


def test_a_service_account_cannot_run_the_bridge(cli: Cli, new_sheet: Callable[..., str], observe: Fingerprint,
                                                 tmp_path: Path, token_server: Callable[..., TokenServer]) -> None:
    # The service account does get a token (one the emulator accepts for reads): it may read, never call
    # scripts.run.
    tokens = token_server(True, cli.emulator.access_token())
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(_service_account_key(tokens.url)))
    sid = new_sheet()
    before = observe(sid)
    run = cli("apply", "--execute", "--yes", sid=sid, credentials=str(path))
    refused(run, ExitCode.USAGE, "ServiceAccountNotAllowed", "service account", "scripts.run",
            "user OAuth refresh token", "--credentials")
    assert tokens.requests, "the service account was never used (credentials ignored)"
    assert observe(sid) == before


def test_expired_user_credentials(cli: Cli, new_sheet: Callable[..., str], observe: Fingerprint, tmp_path: Path,
                                  token_server: Callable[..., TokenServer]) -> None:
    tokens = token_server(False)
    path = tmp_path / "authorized-user.json"
    path.write_text(json.dumps({"type": "authorized_user", "client_id": "123.apps.googleusercontent.com",
                                "client_secret": "secret", "refresh_token": "1//expired", "token_uri": tokens.url}))
    cli.env["TEST_GOOGLE_TOKEN_URI"] = tokens.url  # Google's token endpoint, played by the local server
    sid = new_sheet()
    before = observe(sid)
    for verb in (["status"], ["apply", "--execute", "--yes"]):
        run = cli(*verb, sid=sid, credentials=str(path))
        refused(run, ExitCode.USAGE, "AuthExpired", "invalid_grant", "expired", "Create a new token", "Testing")
    assert tokens.requests and "refresh_token=1%2F%2Fexpired" in tokens.requests[0]
    assert observe(sid) == before
