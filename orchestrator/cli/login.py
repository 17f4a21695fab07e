"""`zeues-migrate login --client-secrets FILE`: make the operator's authorized-user token with Google's
installed-app flow, asking for exactly the scopes the tool needs, and write it 0600 where the tool reads it.

The flow (google-auth-oauthlib's InstalledAppFlow) opens Google's consent page in a browser, listens for the
redirect on a loopback port of this machine, and trades the code for a refresh token at the client's token
endpoint. The client secret and the code go only to Google's OAuth hosts over https, or to this machine: a
client-secrets file naming any other endpoint is refused before anything is sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from orchestrator.cli.common import Failure, Outcome, verb
from orchestrator.config import SETTINGS, ConfigError, load_config
from orchestrator.engine.private_files import FILE_MODE, LocalIOError, private_dir
from orchestrator.exit_codes import ExitCode

# The OAuth flow, requests and google.auth are imported when the verb runs, not when the CLI starts.
if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

GOOGLE_OAUTH_HOSTS = ("accounts.google.com", "oauth2.googleapis.com", "www.googleapis.com")
_CLIENT_HINT = ("download it from the Cloud console: APIs & Services → Credentials → your Desktop OAuth client "
                "→ Download JSON (docs/operator.md, 2.4)")


@click.command("login")
@click.option("--client-secrets", "client_secrets", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the Desktop OAuth client's JSON, as the Cloud console downloads it")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="where to write the token (default: the configured `credentials` path)")
@click.option("--force", is_flag=True, help="replace an existing token file")
@click.option("--no-browser", is_flag=True, help="print the sign-in URL instead of opening a browser")
@click.option("--timeout", type=click.IntRange(min=1), default=600, show_default=True,
              help="seconds to wait for the sign-in to come back")
@click.option("--credentials", "credentials", default=None,
              help=f"the token path (env {SETTINGS['credentials'].env}, toml `credentials`)")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="zeues-migrate.toml to read (env ZEUES_CONFIG)")
@click.option("--json", "as_json", is_flag=True, help="print one JSON result document on stdout")
@verb("login", clients=False)
def login(client_secrets: Path, output: Path | None, force: bool, no_browser: bool, timeout: int,
          credentials: str | None, config: str | None) -> Outcome:
    """Sign in as the sheet's owner and write the authorized-user token file the tool uses (0600).

    Asks Google for exactly the scopes zeues-migrate needs, listens for the answer on 127.0.0.1, and refuses
    to replace an existing file without --force."""
    import requests
    from google_auth_oauthlib.flow import InstalledAppFlow, WSGITimeoutError
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    from orchestrator.google.scopes import LOGIN_SCOPES

    target = _target(output, credentials, config)
    if not force and (target.exists() or target.is_symlink()):  # before the browser: nothing to redo
        raise _exists(target)
    client = _client_config(client_secrets)
    token_uri = str(client["installed"]["token_uri"])
    flow: Any = InstalledAppFlow.from_client_config(client, scopes=list(LOGIN_SCOPES))  # untyped library
    open_browser = not no_browser and _has_browser()
    prompt = ("Your browser was opened at Google's sign-in page. Sign in as the sheet's owner and allow every box. "
              "If no browser window appeared, open this URL:\n{url}\n" if open_browser else
              "Open this URL in a browser, sign in as the sheet's owner and allow every box:\n{url}\n")
    try:
        # The flow prints the URL with print(): to stderr, so stdout stays the result (or the --json document).
        to_stderr = contextlib.redirect_stdout(sys.stderr)
        with to_stderr, _oauthlib_options(token_uri):
            creds: Credentials = flow.run_local_server(
                host="127.0.0.1", port=0, open_browser=open_browser, authorization_prompt_message=prompt,
                success_message="zeues-migrate: signed in. You can close this window.", timeout_seconds=timeout,
                prompt="consent")  # consent every time: Google then always returns a refresh token
    except WSGITimeoutError:
        raise Failure(ExitCode.USAGE, f"no sign-in came back within {timeout} s; run `zeues-migrate login` again "
                                      "(--timeout SECONDS to wait longer). Nothing was written.") from None
    except OAuth2Error as exc:  # access_denied, invalid_grant, invalid_client...: never carries a token
        said = f"{exc.error}: {exc.description}" if exc.description else str(exc.error)
        raise Failure(ExitCode.USAGE, f"Google refused the sign-in ({said}). Check that the client file is the "
                                      "Desktop client of the script's own GCP project and sign in as the sheet's "
                                      "owner. Nothing was written.") from None
    except requests.RequestException as exc:
        raise Failure(ExitCode.GOOGLE_UNAVAILABLE, f"cannot reach the token endpoint {token_uri}: "
                                                   f"{type(exc).__name__}. Nothing was written.") from None
    granted = set(creds.granted_scopes or LOGIN_SCOPES)
    missing = [scope for scope in LOGIN_SCOPES if scope not in granted]
    if missing:
        raise Failure(ExitCode.USAGE, f"the sign-in did not allow {', '.join(missing)}: run `zeues-migrate login` "
                                      "again and tick every box on the consent page. Nothing was written.")
    if not creds.refresh_token:
        raise Failure(ExitCode.USAGE, "Google returned no refresh token: run `zeues-migrate login` again. "
                                      "Nothing was written.")
    info: dict[str, Any] = {"type": "authorized_user", **json.loads(creds.to_json())}  # type: ignore[no-untyped-call]
    _write(target, info, force)
    result = {"path": str(target), "scopes": list(LOGIN_SCOPES), "client_id": info.get("client_id")}
    configured = output is None or _configured(config) == str(target)
    text = f"Wrote the token to {target} (mode 0600)."
    if not configured:
        text += (f"\nTo use it: credentials = \"{target}\" in zeues-migrate.toml, or "
                 f"export {SETTINGS['credentials'].env}={target}.")
    text += "\nIt is a secret: whoever has it can act as you on the sheet. `zeues-migrate doctor` checks it."
    return Outcome(result, text)


def _target(output: Path | None, credentials: str | None, config: str | None) -> Path:
    if output is not None:
        return Path(output).expanduser().absolute()
    try:
        loaded = load_config({"credentials": credentials, "config": config}, os.environ, Path.cwd(), require=())
    except ConfigError as exc:
        raise Failure(ExitCode.USAGE, str(exc)) from None
    setting = SETTINGS["credentials"]
    if loaded.credentials is None:
        raise Failure(ExitCode.USAGE, f"say where to write the token: --output PATH, or configure the credentials "
                                      f"path ({setting.spellings()}), which the other commands read.")
    if loaded.uses_adc:
        raise Failure(ExitCode.USAGE, f"credentials is `adc` (from {loaded.source['credentials']}): there is no "
                                      "file to write; give --output PATH and point `credentials` at it.")
    return Path(loaded.credentials)


def _configured(config: str | None) -> str | None:
    """The configured credentials path, when there is one (to say whether --output is where the tool reads)."""
    try:
        loaded = load_config({"config": config}, os.environ, Path.cwd(), require=())
    except ConfigError:
        return None
    return loaded.credentials


def _client_config(path: Path) -> dict[str, Any]:
    """The client-secrets JSON of a Desktop client whose endpoints are Google's (or this machine's)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Failure(ExitCode.USAGE, f"--client-secrets {path} cannot be read as JSON ({exc}); "
                                      f"{_CLIENT_HINT}.") from None
    if not isinstance(info, dict):
        raise Failure(ExitCode.USAGE, f"--client-secrets {path} is not an OAuth client file; {_CLIENT_HINT}.")
    if "web" in info:
        raise Failure(ExitCode.USAGE, f"--client-secrets {path} is a Web application client; the tool signs in "
                                      "as a Desktop app: create an OAuth client of type Desktop app and "
                                      f"{_CLIENT_HINT}.")
    if "installed" not in info:
        what = "a token, not the client it is made with" if "refresh_token" in info else "not an OAuth client file"
        raise Failure(ExitCode.USAGE, f"--client-secrets {path} is {what}; {_CLIENT_HINT}.")
    client = info["installed"]
    absent = [k for k in ("client_id", "client_secret", "auth_uri", "token_uri") if not client.get(k)]
    if absent:
        raise Failure(ExitCode.USAGE, f"--client-secrets {path} lacks {', '.join(absent)}; {_CLIENT_HINT}.")
    for key in ("auth_uri", "token_uri"):
        if not _allowed(str(client[key])):
            raise Failure(ExitCode.USAGE, f"refused: --client-secrets {path} names {client[key]} as its {key}, "
                                          "which is not Google's: the client secret and the sign-in would go "
                                          f"there; {_CLIENT_HINT}.")
    return {"installed": client}


def _allowed(url: str) -> bool:
    """Google's OAuth hosts over https, or this machine."""
    from orchestrator.google.auth import is_loopback

    parsed = urlsplit(url)
    return (parsed.scheme == "https" and (parsed.hostname or "").lower() in GOOGLE_OAUTH_HOSTS) or is_loopback(url)


def _has_browser() -> bool:
    try:
        webbrowser.get()
    except webbrowser.Error:
        click.echo("zeues-migrate login: no browser found here; open the URL below on this machine.", err=True)
        return False
    return True


@contextlib.contextmanager
def _oauthlib_options(token_uri: str) -> Iterator[None]:
    """oauthlib raises on a granted scope set that differs from the requested one (a box left unticked):
    relaxed, so that the missing scopes can be named. It refuses plain http too, which only this machine's
    token endpoint may use."""
    from orchestrator.google.auth import is_loopback

    names = {"OAUTHLIB_RELAX_TOKEN_SCOPE": "1"}
    if is_loopback(token_uri):
        names["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    before = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _write(target: Path, info: dict[str, Any], force: bool) -> None:
    """Write aside (0600, in a folder made 0700) and rename into place: a reader never sees half a token."""
    private_dir(target.parent)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(info, out, indent=2)
            out.write("\n")
        if force:
            os.replace(partial, target)
        else:
            _place_new(partial, target)
    except FileExistsError:
        partial.unlink(missing_ok=True)
        raise _exists(target) from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise LocalIOError(target, exc) from exc


def _place_new(partial: Path, target: Path) -> None:
    """Rename `partial` to `target` unless a file has that name (made meanwhile): a hard link never replaces
    one. Where links are not supported, check then rename."""
    try:
        os.link(partial, target)
    except FileExistsError:
        raise
    except OSError:
        if target.exists() or target.is_symlink():
            raise FileExistsError(target) from None
        os.replace(partial, target)
        return
    partial.unlink()


def _exists(target: Path) -> Failure:
    return Failure(ExitCode.USAGE, f"refused: {target} exists; add --force to replace it (or --output PATH to "
                                   "write elsewhere). Nothing was written.")
