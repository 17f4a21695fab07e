"""`zeues-migrate login`: the real installed-app flow, driven end to end against a fake Google OAuth server on
loopback. InstalledAppFlow takes its authorization and token endpoints from the client-secrets file, so the file
here names the fake server; the test plays the browser: it reads the URL the CLI prints (--no-browser), follows
it to the fake consent page, which redirects to the CLI's loopback listener with a code, as Google does."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from orchestrator.exit_codes import ExitCode
from orchestrator.google.auth import load_credentials_file
from orchestrator.google.scopes import REQUIRED_SCOPES
from tests.support.cli import OFFLINE, ZEUES

ACCESS_TOKEN = "ya29.login-test-access"
REFRESH_TOKEN = "1//login-test-refresh"
CLIENT_ID = "123-login.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-login-test-secret"


@dataclass
class FakeGoogle:
    """Google's authorization endpoint (redirects back with a code) and token endpoint (trades it)."""

    url: str = ""
    granted: list[str] | None = None  # the scopes the token answer says were granted (None: all requested)
    authorizations: list[dict[str, list[str]]] = field(default_factory=list)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # the consent page: the user said yes
            query = parse_qs(urlsplit(self.path).query)
            fake.authorizations.append(query)
            back = query["redirect_uri"][0] + "?" + urlencode({"code": "4/fake-code", "state": query["state"][0],
                                                               "scope": query["scope"][0]})
            self.send_response(302)
            self.send_header("Location", back)
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            fake.token_requests.append({**parse_qs(body), "authorization": [self.headers.get("Authorization", "")]})
            granted = fake.granted if fake.granted is not None else list(REQUIRED_SCOPES)
            answer = json.dumps({"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "expires_in": 3599,
                                 "scope": " ".join(granted), "token_type": "Bearer"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _client_secrets(tmp_path: Path, google: FakeGoogle, **override: str) -> Path:
    installed = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "project_id": "zeues-migrate",
                 "auth_uri": f"{google.url}/o/oauth2/auth", "token_uri": f"{google.url}/token",
                 "redirect_uris": ["http://localhost"], **override}
    path = tmp_path / "client_secret.json"
    path.write_text(json.dumps({"installed": installed}), encoding="utf-8")
    return path


@dataclass
class Done:
    code: int
    stdout: str
    stderr: str

    @property
    def doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.stdout)
        return doc


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZEUES_", "OAUTHLIB_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE), env.get("PYTHONPATH", "")) if p)
    env["BROWSER"] = "false"  # never a real browser, even without --no-browser
    return env | (extra or {})


def login(cwd: Path, *args: str, sign_in: bool = True, env: dict[str, str] | None = None) -> Done:
    """Run `zeues-migrate login ARGS`; when it prints the sign-in URL, open it as a browser would."""
    process = subprocess.Popen([ZEUES, "login", *args], cwd=cwd, env=_env(env), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None and process.stdout is not None
    seen: list[str] = []
    for line in iter(process.stderr.readline, ""):
        seen.append(line)
        if line.startswith("http://") and sign_in:
            with urllib.request.urlopen(line.strip(), timeout=30) as page:  # follows the redirect to the CLI
                assert b"signed in" in page.read()
            break
    stdout, rest = process.communicate(timeout=60)
    return Done(process.returncode, stdout, "".join(seen) + rest)


def test_login_writes_a_private_authorized_user_file_with_exactly_the_tools_scopes(
        google: FakeGoogle, tmp_path: Path) -> None:
    target = tmp_path / "new-folder" / "token.json"
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "--output", str(target),
                 "--no-browser", "--json")
    assert done.code == 0, done.stderr
    assert done.doc["ok"] and done.doc["result"]["path"] == str(target)
    assert ACCESS_TOKEN not in done.stdout + done.stderr and REFRESH_TOKEN not in done.stdout + done.stderr

    (asked,) = google.authorizations
    assert asked["scope"][0].split(" ") == list(REQUIRED_SCOPES)  # exactly the tool's: no cloud-platform, no openid
    assert not any("cloud-platform" in s for s in REQUIRED_SCOPES)
    assert asked["access_type"] == ["offline"] and asked["prompt"] == ["consent"]
    assert asked["code_challenge_method"] == ["S256"]
    redirect = urlsplit(asked["redirect_uri"][0])
    assert redirect.scheme == "http" and redirect.hostname == "127.0.0.1" and redirect.port
    (trade,) = google.token_requests
    assert trade["code"] == ["4/fake-code"] and trade["grant_type"] == ["authorization_code"]
    assert trade["code_verifier"] and trade["redirect_uri"] == asked["redirect_uri"]
    client = trade.get("client_id", [""])[0] or base64.b64decode(trade["authorization"][0].split()[-1]).decode()
    assert client.startswith(CLIENT_ID), trade  # the client identifies itself, in the body or by Basic auth

    assert target.stat().st_mode & 0o777 == 0o600
    assert target.parent.stat().st_mode & 0o777 == 0o700
    info = json.loads(target.read_text(encoding="utf-8"))
    assert info["type"] == "authorized_user" and info["refresh_token"] == REFRESH_TOKEN
    assert info["client_id"] == CLIENT_ID and info["token_uri"] == f"{google.url}/token"
    assert info["scopes"] == list(REQUIRED_SCOPES)
    loaded = load_credentials_file(target)  # what every other verb does with --credentials
    assert loaded.kind == "user" and loaded.local, "a loopback token endpoint is this machine's"
    assert loaded.credentials.refresh_token == REFRESH_TOKEN  # type: ignore[attr-defined]


def test_the_url_goes_to_stderr_and_the_path_to_stdout(google: FakeGoogle, tmp_path: Path) -> None:
    target = tmp_path / "token.json"
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "-o", str(target),
                 "--no-browser")
    assert done.code == 0, done.stderr
    assert f"{google.url}/o/oauth2/auth?" in done.stderr and "http" not in done.stdout.replace(str(target), "")
    assert f"Wrote the token to {target} (mode 0600)" in done.stdout


def test_login_writes_to_the_configured_credentials_path(google: FakeGoogle, tmp_path: Path) -> None:
    (tmp_path / "zeues-migrate.toml").write_text('credentials = "secrets/token.json"\n', encoding="utf-8")
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "--no-browser")
    assert done.code == 0, done.stderr
    target = tmp_path / "secrets" / "token.json"
    assert f"Wrote the token to {target}" in done.stdout and "To use it" not in done.stdout
    assert target.stat().st_mode & 0o777 == 0o600

    by_env = tmp_path / "env-token.json"
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "--no-browser",
                 env={"ZEUES_CREDENTIALS": str(by_env)})
    assert done.code == 0 and by_env.is_file(), done.stderr


def test_login_refuses_to_overwrite_without_force(google: FakeGoogle, tmp_path: Path) -> None:
    target = tmp_path / "token.json"
    target.write_text("the old token\n", encoding="utf-8")
    target.chmod(0o644)
    secrets = str(_client_secrets(tmp_path, google))
    refused = login(tmp_path, "--client-secrets", secrets, "-o", str(target), "--no-browser", "--json",
                    sign_in=False)
    assert refused.code == ExitCode.USAGE
    assert "--force" in refused.doc["error"]["message"] and str(target) in refused.doc["error"]["message"]
    assert target.read_text(encoding="utf-8") == "the old token\n"
    assert google.authorizations == [] and google.token_requests == [], "refused before any sign-in"

    forced = login(tmp_path, "--client-secrets", secrets, "-o", str(target), "--no-browser", "--force")
    assert forced.code == 0, forced.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["refresh_token"] == REFRESH_TOKEN
    assert target.stat().st_mode & 0o777 == 0o600, "the old file's mode does not survive"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_consent_without_every_scope_writes_nothing(google: FakeGoogle, tmp_path: Path) -> None:
    google.granted = [s for s in REQUIRED_SCOPES if not s.endswith("drive.readonly")]
    target = tmp_path / "token.json"
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "-o", str(target),
                 "--no-browser", "--json")
    assert done.code == ExitCode.USAGE
    assert "https://www.googleapis.com/auth/drive.readonly" in done.doc["error"]["message"]
    assert not target.exists() and list(tmp_path.glob(".token.json*")) == []


@pytest.mark.parametrize("override, said", [
    ({"token_uri": "https://tokens.example.com/token"}, "token_uri"),
    ({"token_uri": "http://oauth2.googleapis.com/token"}, "token_uri"),  # Google, but not over https
    ({"auth_uri": "https://accounts.example.com/auth"}, "auth_uri"),
])
def test_a_client_file_naming_another_endpoint_is_refused_before_anything_is_sent(
        google: FakeGoogle, tmp_path: Path, override: dict[str, str], said: str) -> None:
    target = tmp_path / "token.json"
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google, **override)), "-o",
                 str(target), "--no-browser", "--json", sign_in=False)
    assert done.code == ExitCode.USAGE and said in done.doc["error"]["message"]
    assert "not Google's" in done.doc["error"]["message"]
    assert google.authorizations == [] and google.token_requests == [] and not target.exists()


def test_a_web_client_or_a_token_given_as_client_secrets_is_refused(tmp_path: Path) -> None:
    web = tmp_path / "web.json"
    web.write_text(json.dumps({"web": {"client_id": CLIENT_ID}}), encoding="utf-8")
    done = login(tmp_path, "--client-secrets", str(web), "-o", str(tmp_path / "t.json"), "--json", sign_in=False)
    assert done.code == ExitCode.USAGE and "Desktop app" in done.doc["error"]["message"]
    token = tmp_path / "token.json"
    token.write_text(json.dumps({"type": "authorized_user", "refresh_token": "x"}), encoding="utf-8")
    done = login(tmp_path, "--client-secrets", str(token), "-o", str(tmp_path / "t.json"), "--json", sign_in=False)
    assert done.code == ExitCode.USAGE and "a token, not the client" in done.doc["error"]["message"]


def test_without_a_target_login_says_where_to_write(google: FakeGoogle, tmp_path: Path) -> None:
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "--json", sign_in=False)
    assert done.code == ExitCode.USAGE
    assert "--output" in done.doc["error"]["message"] and "ZEUES_CREDENTIALS" in done.doc["error"]["message"]
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "--json", sign_in=False,
                 env={"ZEUES_CREDENTIALS": "adc"})
    assert done.code == ExitCode.USAGE and "`adc`" in done.doc["error"]["message"]


def test_without_no_browser_the_flow_opens_the_browser_with_the_url(google: FakeGoogle, tmp_path: Path) -> None:
    """A stand-in browser (BROWSER, as webbrowser reads it) that opens the URL it is given, detached, the way a
    real browser returns at once and signs in later."""
    browser = tmp_path / "browser.py"
    browser.write_text(
        "import subprocess, sys, urllib.request\n"
        "if len(sys.argv) == 2:\n"
        "    subprocess.Popen([sys.executable, __file__, sys.argv[1], 'detached'], start_new_session=True)\n"
        "else:\n"
        "    urllib.request.urlopen(sys.argv[1], timeout=30).read()\n", encoding="utf-8")
    target = tmp_path / "token.json"
    done = login(tmp_path, "--client-secrets", str(_client_secrets(tmp_path, google)), "-o", str(target),
                 sign_in=False, env={"BROWSER": f"{sys.executable} {browser} %s"})
    assert done.code == 0, done.stderr
    assert "Your browser was opened" in done.stderr and f"{google.url}/o/oauth2/auth?" in done.stderr
    assert len(google.authorizations) == 1 and len(google.token_requests) == 1
    assert target.stat().st_mode & 0o777 == 0o600
