"""What every verb shares: configuration flags, the clients, `--json` output and exit codes."""

from __future__ import annotations

import functools
import json
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource
from pydantic import BaseModel

from orchestrator.config import REQUIRED, SETTINGS, Config, ConfigError, ConfigInvalid, load_config
from orchestrator.contract.errors import ErrorCode
from orchestrator.engine.findings import Refused
from orchestrator.engine.private_files import LocalIOError, is_local_failure
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import MigrationSpecError

# The engine and the Google clients are imported where they are used, not here: `--help` and `--version` (and a
# verb's `--help`) then start without googleapiclient, google.auth or requests (tests/packaging/test_cli_imports.py).
if TYPE_CHECKING:
    from orchestrator.engine.checkpoint import CheckpointStore
    from orchestrator.engine.progress import Progress
    from orchestrator.engine.runs import Target
    from orchestrator.google import GoogleClients

F = TypeVar("F", bound=Callable[..., Any])

PROGRAM = "zeues-migrate"
ARGV = "zeues.argv"  # ctx.meta key: the arguments as typed, for "rerun `...` to resume"
# Bridge functions that only read: a run interrupted after sending only these changed nothing.
READ_ONLY_BRIDGE_FUNCTIONS = frozenset({"bridgeInfo", "describeSchema", "planMigration"})


class Failure(Exception):
    """A verb's own refusal: an exit code and a message saying what to do."""

    def __init__(self, code: ExitCode, message: str, result: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.result = code, message, result


def config_options(func: F) -> F:
    """The configuration flags every verb that talks to Google takes (flags > env > toml). The group takes them
    too, before the verb (`zeues-migrate --json status`); given in both places, the one after the verb wins."""
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
    # The run log's options: kept in ctx.meta (shared by the group and the verb), read by Session.target.
    func = click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_keep_meta("zeues.verbose"),
                        help="also print the run log's events on stderr")(func)
    func = click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), expose_value=False,
                        callback=_keep_meta("zeues.log_file"),
                        help="also write the run log (JSON lines) to this file")(func)
    return func


def _keep_meta(key: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def keep(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if value:  # not given here: what the group got before the verb stands
            ctx.meta[key] = value
    return keep


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
        from orchestrator.engine.checkpoint import CheckpointStore

        return CheckpointStore(self.config.checkpoint_dir)

    def target(self, quiet: bool = False) -> Target:
        """The run's target, its Progress and its run log (docs/operator.md, "Progress and the run log"): the log is
        written beside the checkpoint once the run has one, and to `--log-file` from the start."""
        from orchestrator.engine import runlog
        from orchestrator.engine.checkpoint import CheckpointStore
        from orchestrator.engine.progress import Progress
        from orchestrator.engine.runs import Target

        ctx = click.get_current_context(silent=True)
        meta = ctx.meta if ctx is not None else {}
        log = runlog.RunLog(command_line(ctx), log_file=meta.get("zeues.log_file"),
                            verbose=bool(meta.get("zeues.verbose")))
        runlog.activate(log)
        return Target(self.clients, self.spreadsheet_id, CheckpointStore(self.config.checkpoint_dir, log),
                      Progress(None if quiet else sys.stderr, log))


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
    from orchestrator.emulator import EmulatorError
    from orchestrator.engine.checkpoint import CheckpointError
    from orchestrator.engine.runs import VerificationFailed
    from orchestrator.engine.state import StateError
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

    if isinstance(exc, Failure):
        return exc.code, exc.code.name, exc.message
    if isinstance(exc, (KeyboardInterrupt, click.exceptions.Abort)):  # Ctrl-C; `verb` says where it stopped
        return ExitCode.INTERRUPTED, ExitCode.INTERRUPTED.name, "interrupted"
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


def wants_json(argv: Sequence[str]) -> bool:
    """`--json` anywhere on the command line (before or after the verb), options only (not after `--`)."""
    args = list(argv)
    return "--json" in (args[:args.index("--")] if "--" in args else args)


def command_line(ctx: click.Context | None = None) -> str:
    """The command as the operator typed it, to rerun."""
    root = ctx.find_root() if ctx is not None else None
    argv = root.meta.get(ARGV) if root is not None else None
    return shlex.join([PROGRAM, *(argv if argv is not None else sys.argv[1:])])


def document(name: str | None, code: ExitCode, result: Any, error: dict[str, str] | None) -> str:
    """The one JSON document every command prints under `--json`."""
    return json.dumps({"command": name, "ok": code is ExitCode.OK or code is ExitCode.PENDING,
                       "exitCode": int(code), "result": to_jsonable(result), "error": error},
                      ensure_ascii=False, indent=2)


def _progress_on_stack(exc: BaseException) -> Progress | None:
    """The run's Progress, found on the interrupted stack (the engine passes it down as `target.progress`), so
    that no verb has to register it. The innermost one: the run that was going."""
    from orchestrator.engine.progress import Progress
    from orchestrator.engine.runs import Target

    found: Progress | None = None
    tb = exc.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            if isinstance(value, Progress):
                found = value
            elif isinstance(value, Target):
                found = value.progress
        tb = tb.tb_next
    return found


def _may_have_changed(session: Session | None) -> bool:
    """Whether this process sent the bridge a call that can change the sheet (the clients themselves only read)."""
    if session is None:  # the clients were not open yet, or a verb without them (doctor; rehearse works on a copy)
        return False
    prefix = "script.scripts.run:"
    return any(name.startswith(prefix) and name[len(prefix):] not in READ_ONLY_BRIDGE_FUNCTIONS and m.requests
               for name, m in session.clients.stats.methods.items())


def interrupted(exc: BaseException, session: Session | None, ctx: click.Context | None) -> str:
    """What Ctrl-C stopped, and how to go on: the step (Progress.current_step), else whether anything changed."""
    progress = _progress_on_stack(exc)
    step = getattr(progress, "current_step", None)
    rerun = f"rerun `{command_line(ctx)}` to resume"
    if step:
        return f"interrupted during {step}; {rerun}"
    if not _may_have_changed(session):
        return "interrupted; nothing was changed"
    finished = list(getattr(progress, "timings", None) or {})
    return f"interrupted{' after ' + finished[-1] if finished else ''}; {rerun}"


def merge_global_options(kwargs: dict[str, Any]) -> None:
    """Options given before the verb (the group's, `zeues-migrate --json status`) count unless the same option
    was also given after the verb: that one wins."""
    ctx = click.get_current_context(silent=True)
    parent = ctx.parent if ctx is not None else None
    if ctx is None or parent is None:
        return
    for key, value in parent.params.items():
        if (key in kwargs and parent.get_parameter_source(key) is ParameterSource.COMMANDLINE
                and ctx.get_parameter_source(key) is not ParameterSource.COMMANDLINE):
            kwargs[key] = value


def verb(name: str, *, require: tuple[str, ...] = REQUIRED, clients: bool = True) -> Callable[[F], F]:
    """Wrap a verb: load the configuration, open the clients, print the result (text or `--json`), and turn
    every exception into its exit code (`classify`, the one mapping), Ctrl-C into 130 with the step it stopped
    and the command that resumes. The verb returns an `Outcome` (or `(result, text)`: success) and may raise."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def run(**kwargs: Any) -> None:
            merge_global_options(kwargs)
            as_json = bool(kwargs.pop("as_json", False))
            result: Any = None
            error: dict[str, str] | None = None
            session: Session | None = None
            try:
                if clients:
                    from orchestrator.google import GoogleClients

                    config = pop_config(kwargs, require)
                    with GoogleClients.from_config(config) as google:
                        session = Session(config, google)
                        outcome = func(session, **kwargs)
                else:
                    outcome = func(**kwargs)
                if isinstance(outcome, tuple):
                    outcome = Outcome(*outcome)
                result, text, code = outcome.result, outcome.text, outcome.code
                if outcome.error:
                    error = {"code": code.name, "message": outcome.error}
            except click.UsageError:
                raise
            except (KeyboardInterrupt, click.exceptions.Abort) as exc:  # Ctrl-C, at a prompt too
                code, machine, _ = classify(exc)
                text, result = "", None
                error = {"code": machine, "message": interrupted(exc, session, click.get_current_context(True))}
                if sys.stderr.isatty():
                    click.echo(err=True)  # off the terminal's ^C
            except Exception as exc:  # every failure becomes a documented exit code
                code, machine, message = classify(exc)
                error = {"code": machine, "message": message}
                result = to_jsonable(getattr(exc, "report", None) or getattr(exc, "result", None))
                text = ""
                if code is ExitCode.INTERNAL and os.environ.get("ZEUES_DEBUG"):
                    traceback.print_exc()
            if as_json:
                print(document(name, code, result, error))
            else:
                if text:
                    print(text)
                if error:
                    click.echo(f"zeues-migrate {name}: {error['message']}", err=True)
            sys.exit(int(code))

        return run  # type: ignore[return-value]

    return wrap


def confirm_or_refuse(question: str, yes: bool, shown: str = "") -> None:
    """Ask on a terminal, after showing `shown` (what will change) on stderr; without one, refuse unless --yes was
    given (nothing destroyed implicitly). Answering no is the operator's decision, not an error: exit 0 with
    "cancelled; nothing was changed" (docs/operator.md, "Confirmation"), the same for every verb that asks."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise Failure(ExitCode.USAGE, f"{question.rstrip('?')}: no terminal to confirm on; add --yes to proceed")
    if shown:
        click.echo(shown, err=True)
    if not click.confirm(question, default=False, err=True):
        raise Failure(ExitCode.OK, "cancelled; nothing was changed", {"executed": False, "cancelled": True})
