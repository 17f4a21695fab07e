"""Loading credentials: an authorized-user JSON file or Application Default Credentials.

Google does not let service accounts call `scripts.run` ("The Apps Script API doesn't work with service
accounts", developers.google.com/apps-script/api/how-tos/execute): the operator and CI need a *user* OAuth
refresh token, issued to a Desktop OAuth client that lives in the script's own standard GCP project. Service
accounts still load (reads through the Sheets API work with them) and are refused when the bridge is called.
The emulator checks tokens as Google does, so an endpoint override needs credentials too (it mints an
authorized-user file whose `token_uri` is its own token endpoint); there are no anonymous credentials.

Credentials go only to Google's hosts over https, or to this machine (`guard_endpoint`): a real token (its
`token_uri` is Google's) sent to another endpoint needs `allow_foreign_endpoint` and is announced on stderr;
plain http to another machine is refused always, since anyone on the way could read the token.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import google.auth
import google.auth.exceptions
from google.auth.credentials import AnonymousCredentials, Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from orchestrator.config import SETTINGS, Config, ConfigInvalid
from orchestrator.google.errors import CredentialsError, ServiceAccountNotAllowed, scopes_hint
from orchestrator.google.scopes import REQUIRED_SCOPES

CredentialKind = Literal["user", "service_account"]
ADC = "adc"  # the `credentials` setting that selects Application Default Credentials

_FILE_HINT = ("zeues-migrate needs an authorized-user JSON: a user OAuth refresh token issued to a Desktop OAuth "
              "client of the script's own GCP project, written by `zeues-migrate login --client-secrets "
              "CLIENT_SECRET.json`, or `--credentials adc` to use Application "
              "Default Credentials (against the emulator: the file `python -m orchestrator.emulator` prints)")
_SERVICE_ACCOUNT_TYPES = {"service_account", "impersonated_service_account", "external_account",
                          "gdch_service_account"}


@dataclass(frozen=True)
class LoadedCredentials:
    credentials: Credentials
    kind: CredentialKind  # service_account covers every non-user identity (impersonated, workload identity)
    source: str  # where they came from, for `doctor`
    local: bool = False  # minted for this machine (the emulator's): its token endpoint is a loopback address

    def require_scripts_run(self) -> None:
        """Refuse credentials Google does not accept on `scripts.run`, before anything is sent."""
        if self.kind == "service_account":
            raise ServiceAccountNotAllowed(
                f"the credentials from {self.source} are a service account, and Google does not allow service "
                "accounts to call scripts.run (the Apps Script API does not work with service accounts). Use a "
                "user OAuth refresh token from a Desktop OAuth client in the script's own GCP project (an "
                "authorized-user JSON given with --credentials); a service account can only do read-only "
                "commands.")


def load_credentials(setting: str | Path | None, *,
                     default: Callable[..., tuple[Credentials, str | None]] = google.auth.default) -> LoadedCredentials:
    """ADC for `adc`; the authorized-user JSON file at `setting`."""
    if setting is None:
        raise CredentialsError(f"no credentials configured: {_FILE_HINT}.")
    if isinstance(setting, str) and setting.strip().lower() == ADC:
        return application_default_credentials(default)
    return load_credentials_file(Path(setting))


def load_credentials_file(path: Path) -> LoadedCredentials:
    where = f"credentials file {path}"
    if not path.exists():
        raise CredentialsError(f"{where} does not exist: check the path (--credentials / ZEUES_CREDENTIALS). "
                               f"{_FILE_HINT}.")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"{where} cannot be read: {exc}. {_FILE_HINT}.") from None
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise CredentialsError(f"{where} is not JSON ({exc}). {_FILE_HINT}.") from None
    if not isinstance(info, dict):
        raise CredentialsError(f"{where} holds a JSON {type(info).__name__}, not an object. {_FILE_HINT}.")
    if "installed" in info or "web" in info:
        raise CredentialsError(
            f"{where} is an OAuth client secret (the file the Cloud console downloads for a client), not a token. "
            f"Use it to create one: {_FILE_HINT}.")
    kind = info.get("type")
    if kind is None and "refresh_token" in info:
        kind = "authorized_user"  # google-auth's Credentials.to_json() writes no `type`
    if kind in _SERVICE_ACCOUNT_TYPES:
        return _service_account(info, where, str(kind))
    if kind != "authorized_user":
        raise CredentialsError(f"{where} has type {kind!r}, not 'authorized_user'. {_FILE_HINT}.")
    try:
        creds = user_credentials.Credentials.from_authorized_user_info(info)  # type: ignore[no-untyped-call]
    except ValueError as exc:
        raise CredentialsError(f"{where} is not a complete authorized-user JSON ({exc}). {_FILE_HINT}.") from None
    token_uri = str(info.get("token_uri") or "")
    if is_loopback(token_uri):
        # google-auth always refreshes at Google's endpoint; a file minted by the local emulator names its own,
        # and a refresh token is only ever sent to Google or to this machine.
        creds = creds.with_token_uri(token_uri)
    return LoadedCredentials(creds, "user", where, local=is_loopback(token_uri))


def is_loopback(url: str) -> bool:
    """An http(s) URL whose host is this machine (127.0.0.0/8, ::1, localhost)."""
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    if parsed.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.hostname).is_loopback
    except ValueError:
        return False


GOOGLE_API_DOMAIN = "googleapis.com"


def is_google(url: str) -> bool:
    """An https URL on Google's API domain (googleapis.com and its subdomains)."""
    parsed = urlsplit(url)
    host = (parsed.hostname or "").lower().rstrip(".")
    return parsed.scheme == "https" and (host == GOOGLE_API_DOMAIN or host.endswith("." + GOOGLE_API_DOMAIN))


class EndpointRefused(ConfigInvalid):
    """The endpoint override would carry these credentials where they must not go (CONFIG_INVALID)."""


def guard_endpoint(config: Config, credentials: LoadedCredentials) -> str | None:
    """Refuse, before anything is sent, an endpoint the credentials must not go to; the warning to print when
    the operator allowed a foreign one, else None. Anonymous credentials carry nothing."""
    endpoint = config.endpoint
    if endpoint is None or is_google(endpoint) or isinstance(credentials.credentials, AnonymousCredentials):
        return None
    flag = SETTINGS["allow_foreign_endpoint"]
    where = f"the endpoint {endpoint}" + (f" (from {config.source['endpoint']})" if "endpoint" in config.source
                                          else "")
    if urlsplit(endpoint).scheme != "https" and not is_loopback(endpoint):
        raise EndpointRefused(
            f"refused: {where} is plain http to another machine, so the bearer token of {credentials.source} "
            f"would cross the network readable by anyone on the way. Use https, or the emulator on 127.0.0.1; "
            f"{flag.flag} does not lift this.")
    if is_loopback(endpoint) and credentials.local:
        return None  # the emulator's own token, to the emulator
    what = ("a Google token (its token endpoint is Google's)" if not credentials.local
            else "a token minted on this machine")
    if not config.allow_foreign_endpoint:
        raise EndpointRefused(
            f"refused: {credentials.source} holds {what}, and {where} is not Google's: the token would be sent "
            "there. Against the emulator use the credentials file it mints (`python -m orchestrator.emulator` "
            f"prints it) or unset the endpoint for Google; to send this token there anyway, add {flag.flag} "
            f"(environment variable {flag.env}=1, or `{flag.key} = true` in the configuration file).")
    return (f"warning: sending {what} from {credentials.source} to {where}, which is not Google's "
            f"({flag.flag} is set). Anyone serving that endpoint can act as you on Google until the token expires.")


def _service_account(info: dict[str, Any], where: str, kind: str) -> LoadedCredentials:
    if kind != "service_account":  # impersonation and workload identity stand for service accounts too
        raise CredentialsError(f"{where} has type {kind!r}, a service-account identity: Google does not allow "
                               f"those to call scripts.run. {_FILE_HINT}.")
    try:
        creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(REQUIRED_SCOPES))
    except (ValueError, KeyError) as exc:
        raise CredentialsError(f"{where} is not a valid service-account key ({exc}).") from None
    return LoadedCredentials(creds, "service_account", where, local=is_loopback(str(info.get("token_uri") or "")))


def application_default_credentials(
        default: Callable[..., tuple[Credentials, str | None]] = google.auth.default) -> LoadedCredentials:
    where = "Application Default Credentials"
    try:
        creds, _project = default(scopes=list(REQUIRED_SCOPES))
    except google.auth.exceptions.DefaultCredentialsError as exc:
        raise CredentialsError(f"no usable {where}: {exc}. {_FILE_HINT}.") from None
    if isinstance(creds, user_credentials.Credentials):
        return LoadedCredentials(creds, "user", where)
    # Service-account keys, GCE/Cloud Run metadata, impersonation and workload identity: not a user.
    return LoadedCredentials(creds, "service_account", f"{where} ({type(creds).__module__})")


def missing_scopes(credentials: Credentials) -> list[str]:
    """Scopes the token lacks, when it says what it was granted (after a refresh); `[]` when unknown."""
    granted = getattr(credentials, "granted_scopes", None) or getattr(credentials, "scopes", None)
    if not granted:
        return []
    return [scope for scope in REQUIRED_SCOPES if scope not in set(granted)]


def missing_scopes_message(missing: list[str]) -> str:
    return f"the token lacks {', '.join(missing)}: {scopes_hint()}."
