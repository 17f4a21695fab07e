"""Run the conformance checks and report: `python -m orchestrator.conformance` (what `tasks.py conformance` runs).

    python -m orchestrator.conformance                       # a private emulator (started and stopped here)
    python -m orchestrator.conformance --live --credentials FILE --spreadsheet-id SID [--deployment-id AKfycb...]

One line per check (PASS / FAIL / SKIP, with the difference), a JSON report (bench-results/conformance.json or
--report PATH). Exit 0 when nothing failed, 6 when a check failed (Google and the emulator differ there), 2 for
usage, credentials or a refused spreadsheet, 9 when the target cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, TextIO

import google.auth.exceptions
import requests

from orchestrator.conformance.checks import CHECKS, CHECKS_BY_NAME, Check, CheckFailed, CheckSkipped
from orchestrator.conformance.target import (NotScratch, Target, TokenLeak, emulator_target, live_target,
                                             require_scratch)
from orchestrator.emulator import REPO_ROOT, EmulatorError, running_emulator
from orchestrator.exit_codes import ExitCode
from orchestrator.google.errors import CredentialsError

Status = Literal["PASS", "FAIL", "SKIP"]
DEFAULT_REPORT = REPO_ROOT / "bench-results" / "conformance.json"
BRIDGE_DIR = REPO_ROOT / "appsscript"
SCRATCH_TITLE = "zeues conformance scratch"


@dataclass
class Result:
    name: str
    status: Status
    detail: str
    seconds: float
    sources: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.status}  {self.name}"
        if self.detail:
            text += f": {' '.join(self.detail.split())}"
        return text


def run_check(target: Target, chosen: Check) -> Result:
    """One check; never raises except TokenLeak (a refused destination stops the whole run)."""
    started = time.monotonic()
    target.cleanup_problems.clear()
    status: Status = "PASS"
    detail = ""
    if chosen.needs_deployment and not target.deployment_id:
        status, detail = "SKIP", "needs --deployment-id (the bridge's API-executable deployment, AKfycb...)"
    else:
        try:
            chosen.run(target)
        except CheckSkipped as skipped:
            status, detail = "SKIP", str(skipped)
        except CheckFailed as failed:
            status, detail = "FAIL", str(failed)
        except TokenLeak:
            raise
        except requests.RequestException as error:
            status, detail = "FAIL", f"transport error: {type(error).__name__}: {error}"
        except google.auth.exceptions.GoogleAuthError as error:
            status, detail = "FAIL", f"credentials: {type(error).__name__}: {error}"
        except (AttributeError, KeyError, IndexError, TypeError, ValueError) as error:
            status, detail = "FAIL", f"unexpected reply shape ({type(error).__name__}: {error})"
    if target.cleanup_problems:
        detail = "; ".join([detail, *target.cleanup_problems]) if detail else "; ".join(target.cleanup_problems)
    return Result(chosen.name, status, detail, round(time.monotonic() - started, 3), chosen.sources)


def run_checks(target: Target, checks: Sequence[Check] = CHECKS,
               on_result: Callable[[Result], None] | None = None) -> list[Result]:
    results = []
    for chosen in checks:
        result = run_check(target, chosen)
        results.append(result)
        if on_result:
            on_result(result)
    return results


def write_report(path: Path, target: Target, title: str, results: list[Result], started: datetime) -> None:
    counts = {status: sum(1 for r in results if r.status == status) for status in ("PASS", "FAIL", "SKIP")}
    report = {
        "target": target.kind,
        "endpoints": {"sheets": target.sheets_url, "drive": target.drive_url, "script": target.script_url},
        "spreadsheetId": target.spreadsheet_id, "spreadsheetTitle": title, "deploymentId": target.deployment_id,
        "startedAt": started.isoformat(timespec="seconds"),
        "finishedAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "summary": {"pass": counts["PASS"], "fail": counts["FAIL"], "skip": counts["SKIP"]},
        "checks": [asdict(r) for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def execute(target: Target, checks: Sequence[Check], report: Path, out: TextIO) -> int:
    """Guard, run, print, write the report; the exit code."""
    started = datetime.now(timezone.utc)
    try:
        title = require_scratch(target)
    except NotScratch as refused:
        print(f"conformance: {refused}", file=sys.stderr)
        return int(ExitCode.USAGE)
    except requests.RequestException as error:
        print(f"conformance: cannot reach {target.sheets_url}: {error}", file=sys.stderr)
        return int(ExitCode.GOOGLE_UNAVAILABLE)
    except google.auth.exceptions.GoogleAuthError as error:
        print(f"conformance: the token could not be refreshed ({error}): the credentials file is expired, revoked "
              "or not from this Google project; make a new one (docs/operator.md, \"The OAuth token\")",
              file=sys.stderr)
        return int(ExitCode.USAGE)
    where = "Google" if target.kind == "google" else f"the emulator at {target.sheets_url}"
    print(f"conformance: {len(checks)} checks against {where}, spreadsheet {title!r} ({target.spreadsheet_id})"
          + (f", deployment {target.deployment_id}" if target.deployment_id else ", no deployment id"),
          file=out, flush=True)
    results = run_checks(target, checks, on_result=lambda r: print(r.line(), file=out, flush=True))
    write_report(report, target, title, results, started)
    failed = [r.name for r in results if r.status == "FAIL"]
    passed = sum(1 for r in results if r.status == "PASS")
    print(f"conformance: {passed} passed, {len(failed)} failed, {len(results) - passed - len(failed)} skipped; "
          f"report: {report}", file=out, flush=True)
    return int(ExitCode.VERIFY_FAILED) if failed else int(ExitCode.OK)


# -- the command ----------------------------------------------------------------------------------------------

def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 tasks.py conformance",
        description="Check that the emulator behaves like Google: every check runs against a private emulator, "
                    "or with --live against Google itself (a scratch spreadsheet whose title contains 'scratch' "
                    "or 'conformance'). Exit 0: no check failed; 6: a check failed; 2: usage, credentials or a "
                    "refused spreadsheet; 9: the target cannot be reached.")
    parser.add_argument("--live", action="store_true", help="run against Google instead of the emulator")
    parser.add_argument("--credentials", type=Path, metavar="FILE",
                        help="with --live: the authorized-user JSON (the user OAuth token of docs/operator.md part 4)")
    parser.add_argument("--spreadsheet-id", metavar="ID",
                        help="with --live: a scratch spreadsheet (its title must contain 'scratch' or 'conformance')")
    parser.add_argument("--deployment-id", metavar="AKfycb...",
                        help="with --live: the bridge's API-executable deployment (the scripts.run checks are "
                             "skipped without it)")
    parser.add_argument("--report", type=Path, default=DEFAULT_REPORT, metavar="PATH",
                        help=f"where the JSON report goes (default {DEFAULT_REPORT.relative_to(REPO_ROOT)})")
    parser.add_argument("--check", action="append", default=[], metavar="NAME",
                        help="run only this check (repeatable; --list shows the names)")
    parser.add_argument("--list", action="store_true", help="list the checks and their sources, run nothing")
    return parser


def _usage(message: str) -> int:
    print(f"conformance: {message}", file=sys.stderr)
    return int(ExitCode.USAGE)


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = argument_parser().parse_args(argv)
    out = out or sys.stdout
    unknown = [name for name in args.check if name not in CHECKS_BY_NAME]
    if unknown:
        return _usage(f"no such check: {', '.join(unknown)} (--list shows them)")
    checks = [CHECKS_BY_NAME[name] for name in args.check] or list(CHECKS)
    if args.list:
        for chosen in checks:
            print(f"{chosen.name}\n    {chosen.summary}", file=out)
            for source in chosen.sources:
                print(f"    source: {source}", file=out)
        return int(ExitCode.OK)
    if not args.live:
        given = [flag for flag, value in (("--credentials", args.credentials), ("--spreadsheet-id",
                 args.spreadsheet_id), ("--deployment-id", args.deployment_id)) if value]
        if given:
            return _usage(f"{', '.join(given)} only go with --live (without it the checks run against a private "
                          "emulator, which has its own spreadsheet and deployment)")
        return _run_on_emulator(checks, args.report, out)
    if not args.credentials or not args.spreadsheet_id:
        return _usage("--live needs --credentials FILE (an authorized-user JSON: the user OAuth token of "
                      "docs/operator.md part 4) and --spreadsheet-id ID (a scratch spreadsheet whose title contains "
                      "'scratch' or 'conformance', never production)")
    if args.deployment_id and not args.deployment_id.startswith("AKfycb"):
        return _usage(f"--deployment-id {args.deployment_id!r} does not look like a deployment id: give the "
                      "bridge's API-executable deployment (it starts with AKfycb), not the script id")
    try:
        target = live_target(args.credentials, args.spreadsheet_id, args.deployment_id)
    except (CredentialsError, TokenLeak) as error:
        return _usage(str(error))
    try:
        return execute(target, checks, args.report, out)
    finally:
        target.close()


def _run_on_emulator(checks: Sequence[Check], report: Path, out: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="zeues-conformance-") as data:
        try:
            with running_emulator(Path(data), BRIDGE_DIR) as emulator:
                spreadsheet_id = emulator.create_spreadsheet({"properties": {"title": SCRATCH_TITLE}})
                target = emulator_target(emulator.url, spreadsheet_id, emulator.deployment_id,
                                         emulator.authorized_user())
                try:
                    return execute(target, checks, report, out)
                finally:
                    target.close()
        except EmulatorError as error:
            print(f"conformance: the emulator did not start: {error}", file=sys.stderr)
            return int(ExitCode.GOOGLE_UNAVAILABLE)
