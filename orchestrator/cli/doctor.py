"""`zeues-migrate doctor`: is everything in place to migrate? Each line OK or a concrete fix."""

from __future__ import annotations

from typing import Any

import click

from orchestrator.cli.common import Failure, Session, classify, config_options, verb
from orchestrator.codegen import bridge_build_hash, bridge_version
from orchestrator.config import REQUIRED
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.state import CELL_LIMIT, read_live_state
from orchestrator.exit_codes import ExitCode
from orchestrator.google.script import new_op_id


def diagnose(session: Session) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def add(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": ok, "detail": detail})

    creds = session.clients.credentials
    add("credentials", True, f"{creds.kind} credentials from {creds.source}")
    try:
        info = session.clients.script.run("bridgeInfo", {"opId": new_op_id()})
        local = bridge_build_hash()
        same = info.get("buildHash") == local
        add("bridge deployment", same, f"deployed {info.get('version')} {str(info.get('buildHash'))[:19]}…, local "
                                       f"{bridge_version()} {local[:19]}…" + ("" if same else (
                                           " — deploy: `npx clasp push --force` then `npx clasp update-deployment "
                                           "<deployment id>`")))
    except Exception as exc:  # each failure is a line of the report, not the end of it
        add("bridge deployment", False, classify(exc)[2])
    try:
        state = read_live_state(session.clients.sheets, session.spreadsheet_id)
        add("spreadsheet", True, f"{state.title!r}: {len(state.sheets)} sheets")
        add("cell budget", state.cell_count < CELL_LIMIT * 0.9,
            f"{state.cell_count:,} of {CELL_LIMIT:,} cells")
        add("hold", state.hold is None, "none" if state.hold is None else f"paused by {state.hold.get('by')}: "
                                                                            "`zeues-migrate hold --release`")
        failure = state.unresolved_failure()
        add("history", failure is None, "clean" if failure is None else "unresolved failure: `zeues-migrate resolve`")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        add("spreadsheet", False, classify(exc)[2])
    in_flight = [str(p) for p in CheckpointStore(session.config.checkpoint_dir).in_flight()]
    add("runs in flight", not in_flight, "none" if not in_flight else "rerun to resume: " + ", ".join(in_flight))
    return checks


@click.command("doctor")
@config_options
@verb("doctor", require=REQUIRED)
def doctor(session: Session) -> tuple[Any, str]:
    """Check credentials, the deployed bridge, the spreadsheet, holds and interrupted runs."""
    checks = diagnose(session)
    text = "\n".join(f"{'OK  ' if c['ok'] else 'FAIL'} {c['check']}: {c['detail']}" for c in checks)
    if not all(c["ok"] for c in checks):
        raise Failure(ExitCode.USAGE, text, checks)
    return checks, text
