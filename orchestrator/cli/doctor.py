"""`zeues-migrate doctor`: is everything in place to migrate? One line per check, each OK or a concrete fix.

The checks, in this order: configuration (and where each setting came from), credentials (their type and
source), the token's scopes against what the bridge's manifest and the orchestrator need, the deployed bridge
(does the deployment answer, and is its build hash this checkout's), the spreadsheet (readable?), its size
against the cell limit, the migrations applied and pending, a hold, an unresolved failed attempt, and runs
in flight (checkpoints of interrupted runs). A check whose prerequisite failed is skipped, not failed.

Exit 0 when every line is OK; otherwise the exit code of the first failing line: 2 for setup and access
(configuration, credentials, scopes, deployment, spreadsheet id), 4 when an apply would be refused (hold,
checksum, cell limit), 5 when an interrupted run or a failed attempt needs a decision, 9 when Google (or the
emulator) cannot be reached. `--json` prints the list of checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import click
from pydantic import BaseModel

from orchestrator.cli.common import Outcome, classify, config_options, pop_config, verb
from orchestrator.cli.listing import Zone, hold_text, schema_version_text
from orchestrator.config import SETTINGS, Config
from orchestrator.contract.bridge_build import BRIDGE_BUILD_HASH
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_migrations
from orchestrator.migrations.spec import Migration

# The engine and the Google clients are imported by the checks that use them: `doctor --help` (and `status`,
# which uses resume_command) start without them.
if TYPE_CHECKING:
    from orchestrator.engine.checkpoint import Action, CheckpointStore
    from orchestrator.engine.state import LiveState
    from orchestrator.google import GoogleClients
    from orchestrator.google.auth import LoadedCredentials

Status = Literal["ok", "fail", "skip"]


class Check(BaseModel):
    """One line of the report."""

    check: str
    status: Status  # ok, fail, or skip (not checked because a check it depends on failed)
    ok: bool  # not a failure (ok or skip)
    detail: str
    fix: str = ""
    exit_code: int = 0  # what this line makes `doctor` exit with when it is the first failure


def _ok(name: str, detail: str) -> Check:
    return Check(check=name, status="ok", ok=True, detail=detail)


def _fail(name: str, detail: str, fix: str = "", code: ExitCode = ExitCode.USAGE) -> Check:
    return Check(check=name, status="fail", ok=False, detail=detail, fix=fix, exit_code=int(code))


def _skip(name: str, why: str) -> Check:
    return Check(check=name, status="skip", ok=True, detail=f"not checked: {why}")


def _from_exception(name: str, exc: BaseException) -> Check:
    """A failed call as a line: the tool's own message already says what is wrong and how to fix it."""
    code, _machine, message = classify(exc)
    return _fail(name, message, code=code)


def needed_scopes() -> list[str]:
    """Every scope the token must hold: the bridge manifest's `oauthScopes` (scripts.run needs all of them)
    plus what the orchestrator reads with; REQUIRED_SCOPES holds both (the manifest's as built into the package)."""
    from orchestrator.google.scopes import REQUIRED_SCOPES

    return list(REQUIRED_SCOPES)


def held_scopes(credentials: Any) -> list[str] | None:
    """The scopes a token holds: those Google granted at the last refresh, else those the file lists; None when
    neither is known (an authorized-user file without `scopes`, not yet refreshed)."""
    held = getattr(credentials, "granted_scopes", None) or getattr(credentials, "scopes", None)
    return list(held) if held else None


# -- the checks -----------------------------------------------------------------------------------------------

def check_configuration(config: Config) -> Check:
    shown = [f"{name} from {config.source[name]}" for name in ("spreadsheet_id", "deployment_id", "credentials",
                                                                "endpoint", "checkpoint_dir")
             if name in config.source and config.source[name].kind != "default"]
    where = ("; ".join(shown) or "nothing set") + (f" (config file {config.config_file})" if config.config_file
                                                   else " (no zeues-migrate.toml)")
    missing = [name for name in ("spreadsheet_id", "deployment_id") if getattr(config, name) is None]
    if config.credentials is None and config.endpoint is None:
        missing.append("credentials")
    if missing:
        return _fail("configuration", f"missing {', '.join(missing)}; {where}",
                     fix="; ".join(f"{name}: give {SETTINGS[name].spellings()}" for name in missing))
    return _ok("configuration", where)


def check_credentials(config: Config) -> tuple[Check, LoadedCredentials | None]:
    from orchestrator.google.auth import load_credentials
    from orchestrator.google.errors import CredentialsError

    where = config.source.get("credentials")
    try:
        loaded = load_credentials(config.credentials)
    except CredentialsError as exc:
        return _fail("credentials", str(exc)), None
    said = f" (set by {where})" if where and where.kind != "default" else ""
    if loaded.kind == "service_account":
        return _fail("credentials", f"a service account, from {loaded.source}{said}: Google does not let service "
                                    "accounts call scripts.run, so the bridge cannot be called with them",
                     fix="use a user OAuth token: an authorized-user JSON from the Desktop OAuth client of the "
                         "script's own GCP project (docs/operator.md, \"The OAuth token\")"), loaded
    return _ok("credentials", f"a user OAuth token, from {loaded.source}{said}"), loaded


def check_scopes(loaded: LoadedCredentials | None, bridge_answered: bool) -> Check:
    from orchestrator.google.errors import scopes_hint

    name = "scopes"
    if loaded is None:
        return _skip(name, "no credentials")
    if loaded.kind == "service_account":
        return _skip(name, "service-account credentials cannot call the bridge")
    needed = needed_scopes()
    held = held_scopes(loaded.credentials)
    if held is None:
        if bridge_answered:
            return _ok(name, "the token does not list its scopes, but scripts.run answered, so it holds every scope "
                             "of the bridge's manifest")
        return _ok(name, "the token does not list its scopes; a missing one shows up as \"insufficient "
                         "authentication scopes\" on the bridge line")
    missing = [scope for scope in needed if scope not in set(held)]
    if missing:
        return _fail(name, f"the token holds {len(held)} scope(s) but lacks {', '.join(missing)} (needed: the "
                           f"bridge manifest's oauthScopes and Drive read-only: {', '.join(needed)})",
                     fix=scopes_hint())
    short = ", ".join(s.rsplit("/", 1)[-1] for s in needed)
    return _ok(name, f"the token holds all {len(needed)} needed scopes ({short})")


def check_bridge(config: Config, clients: GoogleClients | None, loaded: LoadedCredentials | None) -> Check:
    from orchestrator.engine.runs import deployed_bridge, stale_bridge

    name = "bridge deployment"
    if config.deployment_id is None:
        return _skip(name, "no deployment id")
    if clients is None or loaded is None:
        return _skip(name, "no usable credentials")
    if loaded.kind == "service_account":
        return _skip(name, "service-account credentials cannot call scripts.run")
    try:
        info = deployed_bridge(clients)
    except Exception as exc:  # noqa: BLE001 - each failure is a line of the report, not the end of it
        return _from_exception(name, exc)
    stale = stale_bridge(info)
    if stale is not None:  # the same judgement every run makes before it changes anything
        fix = ("restart the emulator on this checkout's appsscript/ folder (`--script appsscript`)" if config.endpoint
               else "deploy this checkout's bridge: `npx clasp push --force`, then "
                    f"`npx clasp update-deployment {config.deployment_id}` (docs/operator.md, \"Deploying the "
                    "bridge\")")
        return _fail(name, f"{config.deployment_id} answers, but {stale.message.split('; deploy it')[0]}: the "
                           "deployment is stale", fix=fix)
    return _ok(name, f"{config.deployment_id} answers: bridge {info.get('version')}, build "
                     f"{BRIDGE_BUILD_HASH[:19]}… = this checkout's")


def check_spreadsheet(config: Config, clients: GoogleClients | None) -> tuple[Check, LiveState | None]:
    from orchestrator.engine.state import read_live_state

    name = "spreadsheet"
    if config.spreadsheet_id is None:
        return _skip(name, "no spreadsheet id"), None
    if clients is None:
        return _skip(name, "no usable credentials"), None
    try:
        state = read_live_state(clients.sheets, config.spreadsheet_id)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return _from_exception(name, exc), None
    sizes = ", ".join(f"{s.title} {s.row_count:,}×{s.column_count}" for s in state.sheets if not s.hidden)
    detail = f"{state.title!r} ({config.spreadsheet_id}) is readable: {len(state.sheets)} sheets ({sizes})"
    return _ok(name, detail), state


def check_state(state: LiveState | None, known: list[Migration] | None, store: CheckpointStore) -> list[Check]:
    """The cell budget, the migrations, the hold and the history of a readable spreadsheet (no migrations line
    when the migration files could not be loaded: that failure is its own line), judged from the engine's
    status — the figures `status` prints."""
    from orchestrator.engine import operations
    from orchestrator.engine.preflight import CELL_WARNING

    names = ("cell budget", "migrations", "hold", "history")
    if state is None:
        return [_skip(n, "the spreadsheet is not readable") for n in names if known is not None or n != "migrations"]
    status = operations.summarize(state, known or [], store)
    checks = []
    pending, cells = status.pending, status.cells_after_pending
    budget = f"{state.cell_count:,} of {cells.limit:,} cells" + (
        f"; {cells.after:,} after the pending {', '.join(pending)} ({cells.parts()})" if pending else "")
    if cells.over:
        checks.append(_fail("cell budget", budget + ": over Google's limit (the grid counts, not the data)",
                            fix="delete unused empty rows or columns (or sheets) until the total after the pending "
                                f"migrations is at most {cells.limit:,} cells", code=ExitCode.REFUSED))
    else:
        near = " — close to the limit" if cells.peak > cells.limit * CELL_WARNING else ""
        checks.append(_ok("cell budget", budget + near))

    changed = status.checksum_mismatches
    zone = Zone.of(state.time_zone)
    summary = (f"schema version {schema_version_text(state, zone)}; applied: "
               f"{', '.join(a['id'] for a in status.applied) or 'none'}; pending: {', '.join(pending) or 'none'}")
    if known is None:
        pass
    elif changed:
        checks.append(_fail("migrations", f"{summary}; CHANGED after being applied: {', '.join(changed)}",
                            fix="an applied migration's file must not change: restore orchestrator/migrations/"
                                f"{changed[0]}.json as it was and write a new migration for the change",
                            code=ExitCode.REFUSED))
    else:
        checks.append(_ok("migrations", summary))

    hold = status.hold
    if hold:
        checks.append(_fail("hold", f"migrations are paused on this sheet {hold_text(hold, zone)}",
                            fix="once the reason is gone: `zeues-migrate hold --release`, or the menu's "
                                "ZEUES Migration → Resume migrations", code=ExitCode.REFUSED))
    else:
        checks.append(_ok("hold", "none: migrations may run"))

    failure = status.unresolved_failure
    if failure:
        checks.append(_fail(
            "history", f"an earlier {failure['action']} of {failure['migration_id'] or 'the sheet'} (operation "
                       f"{failure['operation_id']}, {zone.labelled(failure['started_at'])}) is recorded as "
                       f"{failure['status']}",
            fix="look at it with `zeues-migrate history` (and the backup it names), then mark it as looked at: "
                "`zeues-migrate resolve --note \"what was checked\"`", code=ExitCode.NEEDS_ATTENTION))
    else:
        checks.append(_ok("history", f"{len(state.history)} recorded attempt(s), none failed or unfinished"))
    return checks


def resume_command(action: Action, key: str) -> str:
    """The command that resumes an interrupted run or replays an operation whose reply was lost."""
    return {"apply": f"zeues-migrate apply {key} --execute", "rollback": f"zeues-migrate rollback {key} --execute",
            "restore": f"zeues-migrate restore {key} --execute", "hold": "zeues-migrate hold",
            "release": "zeues-migrate hold --release", "resolve": "zeues-migrate resolve",
            "repair": "zeues-migrate repair --execute"}[action]


def check_runs(config: Config, zone: Zone | None = None) -> Check:
    """Checkpoints of interrupted runs (of this spreadsheet when its id is known); times in the sheet's zone when
    it was read, else UTC."""
    from orchestrator.engine.checkpoint import CheckpointError, CheckpointStore

    zone = zone or Zone.of("UTC")
    name = "runs in flight"
    store = CheckpointStore(config.checkpoint_dir)
    runs = store.in_flight(config.spreadsheet_id)
    if not runs:
        return _ok(name, f"none (checkpoints in {config.checkpoint_dir})")
    lines, fixes = [], []
    for run in runs:
        try:
            checkpoint = store.load(run.spreadsheet_id, run.action, run.key)
        except CheckpointError as exc:
            lines.append(str(exc))
            fixes.append(f"look at {run.path}, then move it aside (or rerun with --discard-checkpoint)")
            continue
        assert checkpoint is not None
        done = list(checkpoint.steps)
        lines.append(f"{run.action} {run.key} on {run.spreadsheet_id} (run {checkpoint.run_id}, started "
                     f"{zone.labelled(checkpoint.created_at)}) "
                     + (f"stopped after {done[-1]}" if done else "stopped before its first step finished")
                     + (f"; log: {run.log}" if run.log else ""))
        fixes.append(f"resume it: `{resume_command(run.action, run.key)}` (it re-reads the sheet and never repeats "
                     "a finished step), or start over with `--discard-checkpoint`")
    return _fail(name, "; ".join(lines), fix="; ".join(dict.fromkeys(fixes)), code=ExitCode.NEEDS_ATTENTION)


def diagnose(config: Config, loaded: LoadedCredentials | None = None,
             credentials_check: Check | None = None) -> list[Check]:
    """Every check, in report order. `loaded` (with its `credentials_check`) replaces loading the configured
    credentials: tests pass fake ones."""
    from orchestrator.engine.checkpoint import CheckpointStore
    from orchestrator.google import GoogleClients

    checks = [check_configuration(config)]
    if credentials_check is None:
        credentials_check, loaded = check_credentials(config)
    checks.append(credentials_check)
    clients = GoogleClients(config, loaded) if loaded is not None else None
    try:
        bridge = check_bridge(config, clients, loaded)
        checks.append(check_scopes(loaded, bridge.status == "ok"))
        checks.append(bridge)
        spreadsheet, state = check_spreadsheet(config, clients)
        checks.append(spreadsheet)
        migrations: list[Migration] | None = None
        try:
            migrations = load_migrations()
        except Exception as exc:  # noqa: BLE001 - a broken migration file is a line too
            checks.append(_from_exception("migrations", exc))
        checks.extend(check_state(state, migrations, CheckpointStore(config.checkpoint_dir)))
    finally:
        if clients is not None:
            clients.close()
    checks.append(check_runs(config, Zone.of(state.time_zone) if state is not None else None))
    return checks


def exit_code(checks: list[Check]) -> ExitCode:
    first = next((c for c in checks if c.status == "fail"), None)
    return ExitCode.OK if first is None else ExitCode(first.exit_code or int(ExitCode.USAGE))


def render(checks: list[Check]) -> str:
    lines = []
    for c in checks:
        lines.append(f"{c.status.upper():<5}{c.check}: {c.detail}")
        if c.fix:
            lines.append(f"     fix: {c.fix}")
    failed = [c.check for c in checks if c.status == "fail"]
    lines.append("All checks passed." if not failed else
                 f"{len(failed)} check(s) failed: {', '.join(failed)}. Fix the first one first: the others often "
                 "follow "
                 "from it.")
    return "\n".join(lines)


@click.command("doctor")
@config_options
@verb("doctor", clients=False)
def doctor(**settings: Any) -> Outcome:
    """Check the configuration, credentials and scopes, the deployed bridge (build hash), the spreadsheet and its
    cell budget, holds, failed attempts and interrupted runs. Each line is OK or says how to fix it."""
    config = pop_config(settings, require=())
    checks = diagnose(config)
    failed = [c for c in checks if c.status == "fail"]
    # The report on stdout, the one-line verdict on stderr.
    return Outcome(checks, render(checks), exit_code(checks),
                   f"{len(failed)} check(s) failed, first: {failed[0].check}" if failed else None)
