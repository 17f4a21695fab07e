"""`zeues-migrate`: one thin module per verb over the core library (orchestrator.engine)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

import click
from click.core import ParameterSource

from orchestrator.cli.admin import backups, hold, resolve
from orchestrator.cli.apply import apply
from orchestrator.cli.common import ARGV, PROGRAM, command_line, config_options, document, wants_json
from orchestrator.cli.doctor import doctor
from orchestrator.cli.dump import dump
from orchestrator.cli.history import history
from orchestrator.cli.plan import plan
from orchestrator.cli.rehearse import rehearse
from orchestrator.cli.repair import repair
from orchestrator.cli.restore import restore
from orchestrator.cli.rollback import rollback
from orchestrator.cli.status import status
from orchestrator.cli.verify import verify
from orchestrator.cli.workbook import workbook
from orchestrator.contract.bridge_build import BRIDGE_BUILD_HASH, BRIDGE_VERSION
from orchestrator.exit_codes import ExitCode


def versions() -> dict[str, str]:
    """This package's version and the bridge it was built with (the build hash `doctor` compares)."""
    try:
        package = package_version(PROGRAM)
    except PackageNotFoundError:  # run from a checkout that was never installed
        package = "unknown (not installed)"
    return {"version": package, "bridgeVersion": BRIDGE_VERSION, "bridgeBuildHash": BRIDGE_BUILD_HASH}


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    found = versions()
    if wants_json(ctx.meta.get(ARGV) or []):
        click.echo(document("version", ExitCode.OK, found, None))
    else:
        click.echo(f"{PROGRAM} {found['version']} (bridge {found['bridgeVersion']}, build {found['bridgeBuildHash']})")
    ctx.exit()


class Main(click.Group):
    """The group: global options before the verb, and one exit path for what happens outside a verb — a usage
    error (printed as the JSON document under `--json`, exit 2) and Ctrl-C (exit 130)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[ARGV] = list(args)  # before parsing: eager options (--version) read it
        return super().parse_args(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = wants_json(argv)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            if not standalone_mode:
                raise
            if as_json:
                ctx = getattr(exc, "ctx", None)
                # Some parse errors carry no context: the first word that is a verb is then the command.
                name = (ctx.info_name if ctx is not None and ctx.parent is not None else
                        None if ctx is not None else next((a for a in argv if a in self.commands), None))
                message = ("no command given: see `zeues-migrate --help`"
                           if isinstance(exc, click.exceptions.NoArgsIsHelpError) else exc.format_message())
                code = ExitCode.USAGE if isinstance(exc, click.UsageError) else ExitCode(exc.exit_code)
                print(document(name, code, None, {"code": code.name, "message": message}))
            else:
                exc.show()
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt, EOFError):
            # Outside a verb (the verbs say which step they were in): while parsing, or in a verb without the
            # common wrapper.
            if not standalone_mode:
                raise
            message = f"interrupted; rerun `{command_line()}`"
            if as_json:
                print(document(None, ExitCode.INTERRUPTED, None, {"code": ExitCode.INTERRUPTED.name,
                                                                   "message": message}))
            else:
                click.echo(f"{PROGRAM}: {message}", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, is_eager=True, expose_value=False, callback=_print_version,
              help="print the version and the bridge build hash, and exit")
@config_options
def main(**options: Any) -> None:
    """Migrate the ZEUES Google Sheet between schema versions, safely and verifiably.

    The options below may come before the verb (`zeues-migrate --json status`) as well as after it; given in
    both places, the one after the verb wins.

    Exit codes: 0 ok, 1 internal error, 2 usage/configuration/access, 3 lock busy, 4 refused (drift or
    validation; nothing changed), 5 an interrupted or failed run needs attention, 6 verification failed,
    7 bridge script error, 8 migrations pending (status --check), 9 Google unreachable or quota exhausted,
    10 the sheet's structure changed while it was read (rerun to resume), 11 cells break their column
    contracts (verify), 12 a local file cannot be written or read, 130 interrupted (Ctrl-C; rerun to resume).
    """
    del options  # each verb reads them from this context (common.merge_global_options)
    ctx = click.get_current_context()
    name = ctx.invoked_subcommand
    command = ctx.command.get_command(ctx, name) if isinstance(ctx.command, click.Group) and name else None
    if command is None:
        return
    accepted = {p.name for p in command.params}
    misplaced = [p.opts[0] for p in ctx.command.params if p.name and p.name not in accepted
                 and ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE]
    if misplaced:
        raise click.UsageError(f"{', '.join(misplaced)} does not apply to `{name}`", ctx=ctx)


from orchestrator.cli.login import login  # noqa: E402

for command in (plan, apply, verify, status, history, rollback, restore, backups, hold, resolve, repair, doctor,
                dump, rehearse, workbook, login):
    main.add_command(command)
