"""What every verb shares: configuration flags, the clients, `--json` output and exit codes."""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import BaseModel

from orchestrator.config import REQUIRED, SETTINGS, Config, ConfigError, ConfigInvalid, load_config
from orchestrator.contract.errors import ErrorCode
from orchestrator.emulator import EmulatorError
from orchestrator.engine.checkpoint import CheckpointError, CheckpointStore
from orchestrator.engine.findings import Refused
from orchestrator.engine.private_files import LocalIOError, is_local_failure
from orchestrator.engine.progress import Progress
from orchestrator.engine.runs import Target, VerificationFailed
from orchestrator.engine.state import StateError
from orchestrator.exit_codes import ExitCode
from orchestrator.google import GoogleClients
from orchestrator.google.errors import (
    ApiError,
    AuthExpired,
    CredentialsError,
    DeploymentNotFound,
    ExecutionTimeout,
    GridChanged,
    MissingScopes,
    NotFound,
    PermissionDenied,
    QuotaExhausted,
    ScriptError,
    TransportError,
)
from orchestrator.migrations import MigrationSpecError

F = TypeVar("F", bound=Callable[..., Any])


class Failure(Exception):
    """A verb's own refusal: an exit code and a message saying what to do."""

    def __init__(self, code: ExitCode, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.result = code, message, result


def config_options(func: F) -> F:
    """The configuration flags every verb that talks to Google takes (flags > env > toml)."""
    for name in reversed(list(SETTINGS)):
        setting = SETTINGS[name]
        if name == "allow_foreign_endpoint":  # a switch: None when not given, so env and toml still count
            func = click.option(setting.flag, name, is_flag=True, default=None,
                                help=f"send a Google token to a non-Google endpoint, with a warning (env "
                                     f"{setting.env}, toml `{setting.key}`)")(func)
            continue
        kind: Any = float if name in ("script_timeout", "read_timeout", "reads_per_minute", "lock_wait") else (
            int if name == "read_attempts" else str)
        func = click.option(setting.flag, name, type=kind, default=None,
                            help=f"(env {setting.env}, toml `{setting.key}`)")(func)
    func = click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                        help="zeues-migrate.toml to read (env ZEUES_CONFIG)")(func)
    func = click.option("--json", "as_json", is_flag=True, help="print one JSON result document on stdout")(func)
    return func


def pop_config(kwargs: dict[str, Any], require: tuple[str, ...] = REQUIRED) -> Config:
    flags = {name: kwargs.pop(name, None) for name in [*SETTINGS, "config"]}
    return load_config(flags, os.environ, Path.cwd(), require=require)


@dataclass
class Session:
    config: Config
    clients: GoogleClients

    @property
    def spreadsheet_id(self) -> str:
        assert self.config.spreadsheet_id is not None
        return self.config.spreadsheet_id

    @property
    def store(self) -> CheckpointStore:
        return CheckpointStore(self.config.checkpoint_dir)

    def target(self, quiet: bool = False) -> Target:
        return Target(self.clients, self.spreadsheet_id, self.store, Progress(None if quiet else sys.stderr))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def _coded(code: ErrorCode, message: str) -> tuple[ExitCode, str, str]:
    return code.exit_code, code.value, message


def classify(exc: BaseException) -> tuple[ExitCode, str, str]:
    """(exit code, machine code, message) of an exception. The exit code of a coded error is its code's
    (orchestrator/contract/errors.py); a code the contract does not know keeps its text."""
    if isinstance(exc, Failure):
        return exc.code, exc.code.name, exc.message
    if isinstance(exc, Refused):
        known = ErrorCode.of(exc.code)
        return (known.exit_code if known else ExitCode.REFUSED), exc.code, str(exc)
    if isinstance(exc, VerificationFailed):
        return _coded(ErrorCode.VERIFY_FAILED, str(exc))
    if isinstance(exc, (CheckpointError, StateError)):
        return _coded(ErrorCode.NEEDS_ATTENTION, str(exc))
    if isinstance(exc, ScriptError):
        if exc.known_code is not None:
            return _coded(exc.known_code, exc.message)
        if isinstance(exc, ExecutionTimeout):
            return _coded(ErrorCode.EXECUTION_TIMEOUT, exc.message)
        return ExitCode.SCRIPT_ERROR, exc.code or ErrorCode.SCRIPT_ERROR.value, exc.message
    if isinstance(exc, ConfigInvalid):
        return _coded(ErrorCode.CONFIG_INVALID, str(exc))
    if isinstance(exc, LocalIOError):
        return _coded(ErrorCode.LOCAL_IO, str(exc))
    if isinstance(exc, (ConfigError, CredentialsError, DeploymentNotFound, PermissionDenied, MissingScopes,
                        AuthExpired, MigrationSpecError, NotFound, EmulatorError)):
        return ExitCode.USAGE, type(exc).__name__, str(exc)
    if isinstance(exc, GridChanged):
        return _coded(ErrorCode.GRID_CHANGED, exc.message)
    if isinstance(exc, (TransportError, QuotaExhausted, ApiError)):
        return ExitCode.GOOGLE_UNAVAILABLE, type(exc).__name__, str(exc)
    if is_local_failure(exc):  # a local write no module wrapped: still the machine's, not a bug
        assert isinstance(exc, OSError)
        where = f" {exc.filename}" if exc.filename else " a local file"
        return _coded(ErrorCode.LOCAL_IO, f"cannot write or read{where}: {exc.strerror or exc}. Check the disk "
                                          "space and the folder's permissions, then rerun.")
    return ExitCode.INTERNAL, type(exc).__name__, f"{type(exc).__name__}: {exc}"


@dataclass
class Outcome:
    """What a verb ends with: its result, its text, and its exit code — a non-zero code is not always an error
    (`status --check` with pending migrations, a `doctor` report with failed lines). `error` is the one-line
    verdict of a failure, for stderr and the JSON document."""

    result: Any
    text: str
    code: ExitCode = ExitCode.OK
    error: str | None = None


def verb(name: str, *, require: tuple[str, ...] = REQUIRED, clients: bool = True) -> Callable[[F], F]:
    """Wrap a verb: load the configuration, open the clients, print the result (text or `--json`), and turn
    every exception into its exit code (`classify`, the one mapping). The verb returns an `Outcome` (or
    `(result, text)`: success) and may raise."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def run(**kwargs: Any) -> None:
            as_json = bool(kwargs.pop("as_json", False))
            result: Any = None
            error: dict[str, str] | None = None
            try:
                if clients:
                    config = pop_config(kwargs, require)
                    with GoogleClients.from_config(config) as google:
                        outcome = func(Session(config, google), **kwargs)
                else:
                    outcome = func(**kwargs)
                if isinstance(outcome, tuple):
                    outcome = Outcome(*outcome)
                result, text, code = outcome.result, outcome.text, outcome.code
                if outcome.error:
                    error = {"code": code.name, "message": outcome.error}
            except (click.exceptions.Abort, click.UsageError):
                raise
            except Exception as exc:  # every failure becomes a documented exit code
                code, machine, message = classify(exc)
                error = {"code": machine, "message": message}
                result = to_jsonable(getattr(exc, "report", None) or getattr(exc, "result", None))
                text = ""
                if code is ExitCode.INTERNAL and os.environ.get("ZEUES_DEBUG"):
                    traceback.print_exc()
            if as_json:
                print(json.dumps({"command": name, "ok": code is ExitCode.OK or code is ExitCode.PENDING,
                                  "exitCode": int(code), "result": to_jsonable(result), "error": error},
                                 ensure_ascii=False, indent=2))
            else:
                if text:
                    print(text)
                if error:
                    click.echo(f"zeues-migrate {name}: {error['message']}", err=True)
            sys.exit(int(code))

        return run  # type: ignore[return-value]

    return wrap


def confirm_or_refuse(question: str, yes: bool) -> None:
    """Ask on a terminal; without one, refuse unless --yes was given (nothing destroyed implicitly)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Failure(ExitCode.USAGE, f"{question.rstrip('?')}: no terminal to confirm on; add --yes to proceed")
    if not click.confirm(question, default=False, err=True):
        raise Failure(ExitCode.USAGE, "cancelled; nothing was changed")
