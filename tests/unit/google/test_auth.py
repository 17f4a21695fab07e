import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import google.auth.exceptions
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from orchestrator.google.auth import (
    application_default_credentials,
    load_credentials,
    load_credentials_file,
    missing_scopes,
)
from orchestrator.google.errors import CredentialsError, ServiceAccountNotAllowed
from orchestrator.google.scopes import DRIVE_READONLY, REQUIRED_SCOPES

AUTHORIZED_USER = {"type": "authorized_user", "client_id": "c.apps.googleusercontent.com", "client_secret": "s",
                   "refresh_token": "r"}


def write(tmp_path: Path, data: object, name: str = "creds.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_loads_an_authorized_user_file(tmp_path: Path) -> None:
    loaded = load_credentials(str(write(tmp_path, AUTHORIZED_USER)))
    assert loaded.kind == "user" and isinstance(loaded.credentials, user_credentials.Credentials)
    assert loaded.credentials.refresh_token == "r" and str(tmp_path) in loaded.source
    loaded.require_scripts_run()  # a user may call scripts.run


def test_loads_google_auth_to_json_output_which_has_no_type(tmp_path: Path) -> None:
    data = {k: v for k, v in AUTHORIZED_USER.items() if k != "type"} | {"token": "t", "scopes": list(REQUIRED_SCOPES)}
    assert load_credentials_file(write(tmp_path, data)).kind == "user"


def test_a_missing_file_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as caught:
        load_credentials(str(tmp_path / "nope.json"))
    assert "nope.json" in str(caught.value) and "does not exist" in str(caught.value)
    assert "ZEUES_CREDENTIALS" in str(caught.value) and "authorized-user JSON" in str(caught.value)


@pytest.mark.parametrize(("content", "words"), [
    ("refresh_token = r", "is not JSON"),
    ([1, 2], "not an object"),
    ({"installed": {"client_id": "x"}}, "OAuth client secret"),
    ({"type": "external_account", "audience": "x"}, "service-account identity"),
    ({"type": "impersonated_service_account"}, "service-account identity"),
    ({"type": "api_key"}, "not 'authorized_user'"),
    ({"type": "authorized_user", "client_id": "x"}, "missing fields"),
])
def test_a_bad_file_names_the_file_and_the_fix(tmp_path: Path, content: object, words: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(CredentialsError) as caught:
        load_credentials_file(path)
    assert words in str(caught.value) and str(path) in str(caught.value)
    assert "authorized-user JSON" in str(caught.value)


@cache
def service_account_info() -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "p", "private_key_id": "k", "private_key": pem,
            "client_email": "robot@p.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": "https://oauth2.googleapis.com/token"}


def test_a_service_account_loads_for_reads_but_is_refused_for_scripts_run(tmp_path: Path) -> None:
    loaded = load_credentials_file(write(tmp_path, service_account_info()))
    assert loaded.kind == "service_account" and isinstance(loaded.credentials, service_account.Credentials)
    with pytest.raises(ServiceAccountNotAllowed) as caught:
        loaded.require_scripts_run()
    assert "Google does not allow service accounts to call scripts.run" in str(caught.value)
    assert "Desktop OAuth client in the script's own GCP project" in str(caught.value)


def test_a_broken_service_account_key_is_a_clear_error(tmp_path: Path) -> None:
    info = service_account_info() | {"private_key": "not a key"}
    with pytest.raises(CredentialsError, match="not a valid service-account key"):
        load_credentials_file(write(tmp_path, info))


class fake_default:
    """Stands in for google.auth.default: returns (or raises) what it was given, records the scopes asked."""

    def __init__(self, creds: Credentials | Exception) -> None:
        self.creds = creds
        self.seen: list[Sequence[str]] = []

    def __call__(self, scopes: Sequence[str]) -> tuple[Credentials, str | None]:
        self.seen.append(scopes)
        if isinstance(self.creds, Exception):
            raise self.creds
        return self.creds, "project"


def test_application_default_credentials(tmp_path: Path) -> None:
    user = user_credentials.Credentials(token="t")
    default = fake_default(user)
    loaded = load_credentials("ADC", default=default)
    assert loaded.kind == "user" and loaded.credentials is user and default.seen == [list(REQUIRED_SCOPES)]
    robot = service_account.Credentials.from_service_account_info(service_account_info())
    assert application_default_credentials(fake_default(robot)).kind == "service_account"
    with pytest.raises(CredentialsError, match="no usable Application Default Credentials"):
        load_credentials("adc", default=fake_default(google.auth.exceptions.DefaultCredentialsError("none found")))


def test_no_credentials_is_an_error_that_names_the_emulators_file_too() -> None:
    with pytest.raises(CredentialsError, match="no credentials configured") as caught:
        load_credentials(None)
    assert "python -m orchestrator.emulator" in str(caught.value)


def test_missing_scopes() -> None:
    creds = user_credentials.Credentials(token="t", scopes=[s for s in REQUIRED_SCOPES if s != DRIVE_READONLY])
    assert missing_scopes(creds) == [DRIVE_READONLY]
    assert missing_scopes(user_credentials.Credentials(token="t")) == []  # unknown: nothing to say


@pytest.mark.parametrize(("token_uri", "used"), [
    ("http://127.0.0.1:8765/token", "http://127.0.0.1:8765/token"),
    ("http://localhost:1/token", "http://localhost:1/token"),
    ("http://[::1]:9/token", "http://[::1]:9/token"),
    ("https://evil.example.com/token", "https://oauth2.googleapis.com/token"),
    ("http://10.0.0.5/token", "https://oauth2.googleapis.com/token"),
    ("file:///etc/passwd", "https://oauth2.googleapis.com/token"),
])
def test_a_refresh_token_goes_only_to_google_or_this_machine(tmp_path: Path, token_uri: str, used: str) -> None:
    loaded = load_credentials_file(write(tmp_path, AUTHORIZED_USER | {"token_uri": token_uri}))
    assert loaded.credentials.token_uri == used  # type: ignore[attr-defined]
