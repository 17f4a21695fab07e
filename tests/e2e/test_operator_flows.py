"""The operator's flows through the real CLI against the emulator (issue 14): rollback's dry run refuses as
--execute does and needs no id; a run refused in preflight leaves no checkpoint; restore is a dry run by default,
backs up, verifies and names every sheet it deletes or keeps; one JSON result shape per verb."""

from __future__ import annotations

import re
from collections.abc import Callable

from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.exit_codes import ExitCode
from tests.e2e.conftest import Cli, Result, history, observe
from tests.support.live import Live

V30 = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
STACK_FRAME = re.compile(r"^\s*at\s", re.MULTILINE)


def _refusal(run: Result) -> tuple[int, str, str]:
    return run.code, str(run.error["code"]), run.message


def test_rollback_dry_run_refuses_as_execute_and_defaults_to_the_last_applied(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(60)
    before = observe(live, sid)
    nothing = cli("rollback", sid=sid)
    assert nothing.code == ExitCode.REFUSED and "nothing to roll back" in nothing.message, nothing.doc
    for args in (("3.0",), ("2.1",)):  # never applied; the baseline
        dry = cli("rollback", *args, sid=sid)
        executed = cli("rollback", *args, "--execute", "--yes", sid=sid)
        assert dry.code == ExitCode.REFUSED and _refusal(dry) == _refusal(executed), (dry.doc, executed.doc)
    assert "baseline" in cli("rollback", "2.1", sid=sid).message
    assert observe(live, sid) == before and CheckpointStore(cli.checkpoints).in_flight() == []

    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr[-2000:]
    after_apply = observe(live, sid)
    for args in (("2.1",), ("3.1",)):
        dry = cli("rollback", *args, sid=sid)
        executed = cli("rollback", *args, "--execute", "--yes", sid=sid)
        assert dry.code == ExitCode.REFUSED and _refusal(dry) == _refusal(executed), (dry.doc, executed.doc)
        assert "the last applied is 3.0" in dry.message and "`zeues-migrate rollback`" in dry.message
    assert observe(live, sid) == after_apply and CheckpointStore(cli.checkpoints).in_flight() == []

    dry = cli("rollback", sid=sid)  # no id: the last applied
    assert dry.code == 0, dry.doc
    plan = dry.result["plan"]
    assert dry.result["executed"] is False and plan["migration_id"] == "3.0" and plan["status"] == "would_roll_back"
    assert [c["name"] for c in plan["columns"]] == V30 and all(c["sheet"] == "Operaciones" for c in plan["columns"])
    assert plan["filled_cells"] == 60 and plan["archived_rows"] == 60, plan  # `version` 0 on each of 60 spools
    assert "before rollback 3.0" in plan["backup"]
    text = cli("rollback", sid=sid, as_json=False).stdout
    assert "Operaciones!" in text and "Ocupado_Por" in text and "60 filled cells" in text, text
    assert observe(live, sid) == after_apply and CheckpointStore(cli.checkpoints).in_flight() == []

    rolled = cli("rollback", "--execute", "--yes", sid=sid)
    assert rolled.code == 0 and rolled.result["status"] == "rolled_back", rolled.doc
    assert rolled.result["migration_id"] == "3.0" and rolled.result["executed"] is True
    assert rolled.result["verification"]["status"] == "passed"


def test_an_apply_refused_by_a_hold_leaves_no_checkpoint(cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(40)
    assert cli("hold", "--reason", "month-end", sid=sid).result["status"] == "held"
    refused = cli("apply", "--execute", "--yes", sid=sid)
    assert refused.code == ExitCode.REFUSED and "paused" in refused.message, refused.doc
    assert CheckpointStore(cli.checkpoints).in_flight(sid) == []
    assert not (cli.checkpoints / sid / "apply-3.0.json").exists()
    doctor = cli("doctor", sid=sid)
    flight = [line for line in doctor.result if line["check"] == "runs in flight"]
    assert flight and flight[0]["status"] == "ok", flight
    assert cli("status", sid=sid).result["in_flight"] == []
    assert cli("hold", "--release", sid=sid).result["status"] == "released"
    assert cli("apply", "--execute", "--yes", sid=sid).result["runs"][0]["status"] == "applied"


def test_restore_dry_run_backup_verification_and_summary(cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(50)
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr[-2000:]
    rolled = cli("rollback", "--execute", "--yes", sid=sid)
    assert rolled.code == 0, rolled.stderr[-2000:]
    with_30 = rolled.result["backup_id"]  # made before the rollback: 3.0 applied, no archive sheet yet
    live.batch_update(sid, [{"addSheet": {"properties": {"title": "Notas de Juan"}}}])  # a sheet a human added
    archive = next(t for t in live.sheet_titles(sid) if t.startswith("_zeues_archive_3.0"))

    wrong = cli("restore", "1NoSuchBackupAnywhere", sid=sid)
    assert wrong.code == ExitCode.REFUSED and wrong.error["code"] == "NOT_FOUND", wrong.doc
    assert "`zeues-migrate backups`" in wrong.message and not STACK_FRAME.search(wrong.message), wrong.message
    assert not STACK_FRAME.search(cli("restore", "1NoSuchBackupAnywhere", sid=sid, as_json=False).stderr)

    before = observe(live, sid)
    dry = cli("restore", with_30, sid=sid)
    assert dry.code == 0 and dry.result["executed"] is False, dry.doc
    plan = dry.result["plan"]
    assert sorted(plan["deleted"]) == sorted([archive, "Notas de Juan"]) and plan["kept"] == ["_zeues_migrations"]
    assert "Operaciones" in {s["sheet"] for s in plan["overwritten"]} and plan["cells_differing"] > 0
    text = cli("restore", with_30, sid=sid, as_json=False).stdout
    assert f"DELETE {archive}" in text and "DELETE Notas de Juan" in text and "keep _zeues_migrations" in text, text
    assert observe(live, sid) == before, "the dry run changes nothing"

    copies = len(cli.emulator.state()["spreadsheets"])
    done = cli("restore", with_30, "--force", "--yes", sid=sid)  # the deprecated alias still works, and says so
    assert done.code == 0, done.doc
    assert "--force is deprecated" in done.stderr and "use --execute" in done.stderr
    report = done.result
    assert report["executed"] is True and report["status"] == "restored" and report["backup_id"], report
    assert len(cli.emulator.state()["spreadsheets"]) == copies + 1, "a backup of what was replaced, first"
    verification = report["verification"]
    assert verification["status"] == "passed", verification
    names = {c["name"] for c in verification["checks"]}
    assert {"schema version is the backup's", "column tags are the backup's",
            "the history counts as applied what the backup's did"} <= names, names
    titles = live.sheet_titles(sid)
    assert archive not in titles and "Notas de Juan" not in titles and "_zeues_migrations" in titles
    assert live.header(sid, "Operaciones")[-3:] == V30
    status = cli("status", sid=sid).result
    assert status["schema_version"] == "3.0" and [a["id"] for a in status["applied"]] == ["3.0"], status
    assert status["inconsistencies"] == [] and status["in_flight"] == [], status
    assert [h["action"] for h in history(live, sid)].count("restore") == 1


def test_one_json_result_shape_per_verb(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(30)
    dry = cli("apply", sid=sid).result
    assert set(dry) == {"executed", "plans", "runs"} and dry["executed"] is False and dry["runs"] == []
    assert [p["migration_id"] for p in dry["plans"]] == ["3.0"]
    done = cli("apply", "--execute", "--yes", sid=sid).result
    assert set(done) == {"executed", "plans", "runs"} and done["executed"] is True
    assert [r["status"] for r in done["runs"]] == ["applied"]
    again = cli("apply", "--execute", "--yes", sid=sid).result
    assert again == {"executed": True, "plans": [], "runs": []}

    dry = cli("rollback", sid=sid).result
    assert dry["executed"] is False and dry["plan"]["migration_id"] == "3.0"
    rolled = cli("rollback", "--execute", "--yes", sid=sid).result
    assert rolled["executed"] is True and {"status", "backup_id", "verification", "timings", "plan"} <= set(rolled)
    backup = rolled["backup_id"]
    restored = cli("restore", backup, "--execute", "--yes", sid=sid).result
    assert restored["executed"] is True and {"status", "backup_id", "verification", "plan"} <= set(restored)
    assert restored["plan"]["backup_id"] == backup


def test_a_refused_resume_keeps_the_checkpoint_of_the_steps_done(cli: Cli, live: Live,
                                                                  new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(30)
    killed = cli("apply", "--execute", "--yes", sid=sid, failpoints="after:verify_backup")
    assert killed.code == -9, (killed.code, killed.stderr[-2000:])
    checkpoint = cli.checkpoints / sid / "apply-3.0.json"
    assert checkpoint.exists()
    copies = len(cli.emulator.state()["spreadsheets"])
    assert cli("hold", sid=sid).code == 0
    refused = cli("apply", "--execute", "--yes", sid=sid)
    assert refused.code == ExitCode.REFUSED and "paused" in refused.message, refused.doc
    assert checkpoint.exists(), "the backup made before the interruption is still this run's"
    assert cli("hold", "--release", sid=sid).code == 0
    resumed = cli("apply", "--execute", "--yes", sid=sid)
    (run,) = resumed.result["runs"]
    assert run["status"] == "applied" and run["resumed"] is True, run
    assert len(cli.emulator.state()["spreadsheets"]) == copies, "no second backup"
