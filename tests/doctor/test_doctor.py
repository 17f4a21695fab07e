"""`zeues-migrate doctor` against the emulator running the real bridge: healthy, stale deployment, unknown
deployment, unreadable sheet, hold, failed attempt, interrupted and corrupted runs, missing configuration."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from orchestrator.codegen import bridge_build_hash
from orchestrator.emulator import Emulator
from orchestrator.engine.checkpoint import CheckpointStore
from orchestrator.engine.state import HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import load_migrations
from tests.doctor.conftest import connect, run_doctor
from tests.support.live import Live, op_id

CHECKS = ["configuration", "credentials", "scopes", "bridge deployment", "spreadsheet", "cell budget", "migrations",
          "hold", "history", "runs in flight"]


def test_healthy(emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    result = run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.OK, result.stdout
    assert result.doc is not None and result.doc["ok"] is True and result.doc["error"] is None
    assert list(result.checks) == CHECKS
    assert all(c["status"] == "ok" and c["ok"] and not c["fix"] for c in result.checks.values())
    checks = result.checks
    assert "spreadsheet_id from flag --spreadsheet-id" in checks["configuration"]["detail"]
    assert "a user OAuth token" in checks["credentials"]["detail"]
    assert "holds all 4 needed scopes" in checks["scopes"]["detail"]
    assert bridge_build_hash()[:19] in checks["bridge deployment"]["detail"]
    assert "pending: 3.0" in checks["migrations"]["detail"]
    assert sid in checks["spreadsheet"]["detail"]

    text = run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path, as_json=False)
    assert text.code == 0
    assert text.stdout.splitlines()[0].startswith("OK   configuration: ")
    assert text.stdout.rstrip().endswith("All checks passed.")


def test_stale_deployment(stale_emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = stale_emulator.create_spreadsheet(workbook)
    result = run_doctor(*connect(stale_emulator, sid, tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.USAGE
    assert result.doc is not None and result.doc["ok"] is False
    assert result.failed() == ["bridge deployment"]
    bridge = result.checks["bridge deployment"]
    assert "stale" in bridge["detail"] and bridge_build_hash()[:19] in bridge["detail"]
    assert "--script appsscript" in bridge["fix"]  # on the emulator: restart it on this checkout's bridge
    assert result.checks["spreadsheet"]["status"] == "ok"  # one failure does not end the report

    text = run_doctor(*connect(stale_emulator, sid, tmp_path / "cp"), cwd=tmp_path, as_json=False)
    assert text.code == ExitCode.USAGE
    assert "FAIL bridge deployment:" in text.stdout and "     fix: " in text.stdout
    assert "1 check(s) failed, first: bridge deployment" in text.stderr


def test_unknown_deployment(emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    args = connect(emulator, sid, tmp_path / "cp")
    args[args.index("--deployment-id") + 1] = "AKfycbThisDeploymentDoesNotExist"
    result = run_doctor(*args, cwd=tmp_path)
    assert result.code == ExitCode.USAGE
    assert result.failed() == ["bridge deployment"]
    detail = result.checks["bridge deployment"]["detail"]
    assert "No API-executable deployment 'AKfycbThisDeploymentDoesNotExist'" in detail
    assert result.checks["spreadsheet"]["status"] == "ok"


def test_script_id_instead_of_deployment_id(emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    args = connect(emulator, sid, tmp_path / "cp")
    args[args.index("--deployment-id") + 1] = "1x2y3zScriptIdNotADeployment"
    result = run_doctor(*args, cwd=tmp_path)
    assert result.code == ExitCode.USAGE
    assert "probably the script id" in result.checks["bridge deployment"]["detail"]


def test_unreadable_sheet(emulator: Emulator, tmp_path: Path) -> None:
    result = run_doctor(*connect(emulator, "1NoSuchSpreadsheetAnywhere", tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.USAGE
    assert result.failed() == ["spreadsheet"]
    assert "No spreadsheet '1NoSuchSpreadsheetAnywhere'" in result.checks["spreadsheet"]["detail"]
    for name in ("cell budget", "migrations", "hold", "history"):
        assert result.checks[name]["status"] == "skip"
    assert result.checks["bridge deployment"]["status"] == "ok"


def test_hold(emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    live = Live(emulator.url, emulator.deployment_id)
    live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": True, "reason": "month-end closing"})
    result = run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.REFUSED
    assert result.failed() == ["hold"]
    assert "month-end closing" in result.checks["hold"]["detail"]
    assert "zeues-migrate hold --release" in result.checks["hold"]["fix"]
    live.run("setHold", {"opId": op_id(), "spreadsheetId": sid, "hold": False})
    assert run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path).code == ExitCode.OK


def _append_history_row(emulator: Emulator, sid: str, row: dict[str, str]) -> None:
    body = json.dumps({"values": [[row.get(c, "") for c in HISTORY_COLUMNS]]}).encode()
    url = (f"{emulator.url}/v4/spreadsheets/{sid}/values/{HISTORY_SHEET}!A1:append?valueInputOption=RAW")
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json",
                                                                           "Authorization": f"Bearer {emulator.owner_token()}"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 200


def test_unresolved_failure(emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    live = Live(emulator.url, emulator.deployment_id)
    live.run("backupSpreadsheet", {"opId": op_id(), "spreadsheetId": sid, "label": "doctor test"})  # history sheet
    _append_history_row(emulator, sid, {"migration_id": "3.0", "action": "apply", "status": "failed",
                                        "started_at": "2026-01-28T16:56:25Z", "finished_at": "2026-01-28T16:57:01Z",
                                        "who": "owner@example.com", "operation_id": "op-failed-1"})
    result = run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.NEEDS_ATTENTION
    assert result.failed() == ["history"]
    assert "op-failed-1" in result.checks["history"]["detail"]
    assert "zeues-migrate resolve" in result.checks["history"]["fix"]
    live.run("resolveFailure", {"opId": op_id(), "spreadsheetId": sid, "note": "looked at it"})
    assert run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path).code == ExitCode.OK


def test_run_in_flight_and_corrupted_checkpoint(emulator: Emulator, workbook: dict[str, Any], tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    store = CheckpointStore(tmp_path / "cp")
    migration = load_migrations()[0]
    checkpoint = store.start(sid, "apply", migration.id, migration.checksum, ["backup", "apply"])
    store.record(checkpoint, "preflight", {"headers": {}})
    result = run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.NEEDS_ATTENTION
    assert result.failed() == ["runs in flight"]
    runs = result.checks["runs in flight"]
    assert checkpoint.run_id in runs["detail"] and "stopped after preflight" in runs["detail"]
    assert f"zeues-migrate apply {migration.id} --execute" in runs["fix"]

    store.path(sid, "apply", migration.id).write_text("{not json", encoding="utf-8")
    result = run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.NEEDS_ATTENTION
    assert "unreadable or corrupted" in result.checks["runs in flight"]["detail"]
    assert "--discard-checkpoint" in result.checks["runs in flight"]["fix"]


def test_checkpoints_of_other_spreadsheets_are_not_this_ones(emulator: Emulator, workbook: dict[str, Any],
                                                             tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    migration = load_migrations()[0]
    CheckpointStore(tmp_path / "cp").start("1SomeOtherSpreadsheet", "apply", migration.id, migration.checksum, [])
    assert run_doctor(*connect(emulator, sid, tmp_path / "cp"), cwd=tmp_path).code == ExitCode.OK


def test_missing_configuration_is_a_line_with_the_fix(tmp_path: Path) -> None:
    result = run_doctor("--checkpoint-dir", str(tmp_path / "cp"), cwd=tmp_path)
    assert result.code == ExitCode.USAGE
    configuration = result.checks["configuration"]
    assert configuration["status"] == "fail"
    for setting in ("--spreadsheet-id", "ZEUES_DEPLOYMENT_ID", "credentials = ..."):
        assert setting in configuration["fix"]
    assert result.checks["credentials"]["status"] == "fail"  # no credentials and no endpoint
    assert result.checks["bridge deployment"]["status"] == "skip"
    assert result.checks["spreadsheet"]["status"] == "skip"


def test_settings_from_a_toml_file_are_reported_with_their_source(emulator: Emulator, workbook: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    (tmp_path / "zeues-migrate.toml").write_text(
        f'spreadsheet_id = "{sid}"\ndeployment_id = "{emulator.deployment_id}"\nendpoint = "{emulator.url}"\n'
        f'credentials = "{emulator.credentials_file()}"\nreads_per_minute = 0\n', encoding="utf-8")
    result = run_doctor(cwd=tmp_path)
    assert result.code == ExitCode.OK, result.stdout
    detail = result.checks["configuration"]["detail"]
    assert f"spreadsheet_id from toml {tmp_path / 'zeues-migrate.toml'}: spreadsheet_id" in detail
    assert "endpoint from toml" in detail and "credentials from toml" in detail


def test_an_endpoint_without_credentials_is_a_configuration_error(emulator: Emulator, workbook: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    sid = emulator.create_spreadsheet(workbook)
    args = connect(emulator, sid, tmp_path / "cp")
    result = run_doctor(*args[:args.index("--credentials")], cwd=tmp_path)  # the emulator checks tokens too
    assert result.code == ExitCode.USAGE
    assert result.checks["credentials"]["status"] == "fail"
    assert "python -m orchestrator.emulator" in result.checks["credentials"]["detail"]
