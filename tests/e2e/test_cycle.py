"""plan → apply → verify → rollback → verify through the real CLI, on generated workbooks and their variants;
and the safety rails: nothing happens without --execute, nor without --yes off a terminal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orchestrator.exit_codes import ExitCode
from orchestrator.workbook import Variant
from tests.e2e.conftest import Cli, history, observe
from tests.support.live import Live

V30 = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
V30_EVENTS = ["TOMAR_SPOOL", "PAUSAR_SPOOL"]


@pytest.mark.parametrize(("spools", "variants"), [
    (1000, frozenset()),
    (60, frozenset({Variant.TAG_ALIAS})),
    (60, frozenset({Variant.UNACCENTED})),
    (60, frozenset(Variant)),
], ids=["standard-1000", "tag-alias", "unaccented", "all-variants"])
def test_plan_apply_verify_rollback_verify(cli: Cli, live: Live, new_sheet: Callable[..., str], spools: int,
                                           variants: frozenset[Variant]) -> None:
    sid = new_sheet(spools, variants=variants)
    header = live.header(sid, "Operaciones")
    before = observe(live, sid)

    plan = cli("plan", sid=sid)
    assert plan.code == 0, plan.stderr
    (p,) = plan.result
    assert p["migration_id"] == "3.0" and not [f for f in p["findings"] if f["level"] == "error"]
    assert [c["name"] for c in p["columns"]] == V30 and p["event_types"] == V30_EVENTS
    assert p["requests"], "plan shows the exact batchUpdate"
    assert observe(live, sid) == before, "plan changes nothing"

    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr
    (run,) = applied.result["runs"]
    assert run["status"] == "applied" and run["verification"]["status"] == "passed"
    assert set(run["timings"]) == {"preflight", "snapshot", "backup", "verify_backup", "apply", "verify"}
    assert run["verification"]["rows_checked"] >= spools
    assert live.header(sid, "Operaciones") == header + V30
    keyed = [r for r in live.values(sid, "Operaciones!A2:ZZ", "FORMULA") if r]
    assert sum(1 for r in keyed if len(r) == len(header) + 3 and r[-1] == 0) == spools, "version 0 on every spool"

    verified = cli("verify", sid=sid)
    assert verified.code == 0 and verified.result["status"] == "passed", verified.stdout

    rolled = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert rolled.code == 0, rolled.stderr
    assert rolled.result["status"] == "rolled_back" and rolled.result["verification"]["status"] == "passed"
    assert live.header(sid, "Operaciones") == header

    verified = cli("verify", sid=sid)
    assert verified.code == 0 and verified.result["status"] == "passed", verified.stdout
    after = observe(live, sid)
    for title in ("Operaciones", "Metadata", "Trabajadores", "Roles"):
        assert after["sheets"][title]["cells"] == before["sheets"][title]["cells"], title
    assert [h[2:] for h in after["history"]] == [("backup", "done"), ("apply", "applied"), ("backup", "done"),
                                                 ("rollback", "rolled_back")]


def test_apply_is_safe_by_default_and_idempotent(cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(50)
    before = observe(live, sid)

    pending = cli("status", "--check", sid=sid)
    assert pending.code == ExitCode.PENDING and pending.doc is not None and pending.doc["ok"]
    assert pending.result["pending"] == ["3.0"] and pending.doc["error"] is None

    dry = cli("apply", sid=sid, as_json=False)
    assert dry.code == 0 and "Nothing was applied: add --execute to apply." in dry.stdout
    assert observe(live, sid) == before
    assert not list(cli.checkpoints.rglob("*.json")), "a dry run leaves no checkpoint"

    refused = cli("apply", "--execute", sid=sid)  # stdin is not a terminal, and no --yes
    assert refused.code == ExitCode.USAGE and refused.doc is not None and not refused.doc["ok"]
    assert "--yes" in refused.doc["error"]["message"]
    assert observe(live, sid) == before
    assert not list(cli.checkpoints.rglob("*.json"))

    first = cli("apply", "--execute", "--yes", sid=sid)
    assert first.code == 0 and first.result["runs"][0]["status"] == "applied", first.stderr
    state = observe(live, sid)

    again = cli("apply", "--execute", "--yes", sid=sid)
    assert again.code == 0 and again.result["runs"] == []
    named = cli("apply", "3.0", "--execute", "--yes", sid=sid)
    assert named.code == 0 and named.result["runs"][0]["status"] == "already_applied"
    assert observe(live, sid) == state, "applying an applied migration changes nothing"
    assert [(h["action"], h["status"]) for h in history(live, sid)] == [("backup", "done"), ("apply", "applied")]

    done = cli("status", "--check", sid=sid)
    assert done.code == 0 and done.result["pending"] == [] and done.result["schema_version"] == "3.0"

    refused = cli("rollback", "3.0", "--execute", sid=sid)  # the same rail for rollback
    assert refused.code == ExitCode.USAGE
    assert observe(live, sid) == state


def test_errors_come_back_as_documented_exit_codes(cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(50)
    missing = cli("status", sid="1NoSuchSpreadsheetxxxxxxxxxxxxxxxxxxxxxxxxx")
    assert missing.code == ExitCode.USAGE and missing.doc is not None and missing.doc["error"]["code"] == "NotFound"
    unknown = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert unknown.code == ExitCode.REFUSED and unknown.doc is not None
    assert unknown.doc["error"]["code"] == "NOT_FOUND"
    no_id = cli("status")
    assert no_id.code == ExitCode.USAGE and "spreadsheet_id" in no_id.doc["error"]["message"]  # type: ignore[index]
