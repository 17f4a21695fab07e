"""The read-only listings as an operator reads them (issue 14, items 9 and 12): `history` and `backups` newest
first under headings, times in the sheet's zone (America/Santiago for the generated workbook) and labelled,
`history --json` with `details` as an object, `plan --show-requests` whole JSON, `status` after a rollback
saying so, and a hold without a reason shown without a dangling separator. The real CLI, as a subprocess,
against the emulator."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Cli

ZONE = "America/Santiago"  # the generated workbook's timeZone (orchestrator/workbook/generator.py)
SHOWN = "%Y-%m-%d %H:%M:%S"


def _local(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(ZONE)).strftime(SHOWN)


def test_history_backups_and_status_after_apply_and_rollback(cli: Cli, new_sheet: Callable[..., str]) -> None:
    other = new_sheet()  # the same title: its backups are named like this sheet's, and are not this sheet's
    assert cli("apply", "--execute", "--yes", sid=other).code == 0
    sid = new_sheet()
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    assert cli("rollback", "3.0", "--execute", "--yes", sid=sid).code == 0

    rows = cli("history", sid=sid).result
    assert [r["action"] for r in rows] == ["rollback", "backup", "apply", "backup"], "newest first"
    assert all(isinstance(r["details"], dict) for r in rows), "details is an object, not JSON in a string"
    assert rows[0]["details"]["result"]["status"] == "rolled_back"
    assert rows[-1]["details"]["label"] == "before 3.0"

    text = cli("history", sid=sid, as_json=False)
    assert text.code == 0, text.stderr
    heading, *lines = text.stdout.splitlines()
    assert heading.split()[:3] == ["time", f"({ZONE})", "action"] and "status" in heading and "details" in heading
    assert [line[:19] for line in lines[:len(rows)]] == [_local(r["finished_at"]) for r in rows]
    assert lines[0].split()[2:4] == ["rollback", "3.0"]
    shown = [datetime.strptime(line[:19], SHOWN) for line in lines[:len(rows)]]
    assert shown == sorted(shown, reverse=True)
    assert "before 3.0" in lines[len(rows) - 1]  # the backup's label, from its details

    backups = cli("backups", sid=sid).result
    assert len(backups) == 2 and "before rollback 3.0" in backups[0]["name"], "newest first"
    assert {b["id"] for b in backups} == {r["backup_id"] for r in rows if r["backup_id"]}, "only this sheet's own"
    assert len(cli("backups", "--all", sid=sid).result) >= 3
    listed = cli("backups", sid=sid, as_json=False).stdout.splitlines()
    assert listed[0].split()[:2] == ["created", f"({ZONE})"] and "backup id" in listed[0] and "name" in listed[0]
    assert "backups --all" in listed[-1]  # the other sheet's copies are said, not listed
    for backup, line in zip(backups, listed[1:-1], strict=True):
        assert line.startswith(_local(backup["createdTime"])) and backup["id"] in line
        # The name carries the sheet-zone time the bridge named the copy at: the shown time is the same clock.
        named = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) #", backup["name"])
        assert named, backup["name"]
        gap = datetime.strptime(line[:19], SHOWN) - datetime.strptime(named.group(1), SHOWN)
        assert abs(gap) < timedelta(seconds=5), (line, backup["name"])

    status = cli("status", sid=sid, as_json=False)
    assert status.code == 0, status.stderr
    assert "never migrated" not in status.stdout
    rollback = rows[0]
    assert (f"schema version: 2.1 (3.0 rolled back on {_local(rollback['finished_at'])} {ZONE})"
            in status.stdout), status.stdout
    assert cli("status", sid=sid).result["time_zone"] == ZONE


def test_a_fresh_sheet_is_never_migrated_and_has_no_history(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    assert "schema version: 2.1 (never migrated)" in cli("status", sid=sid, as_json=False).stdout
    assert cli("history", sid=sid, as_json=False).stdout.strip() == "Nothing recorded yet."
    assert cli("history", sid=sid).result == []


def test_plan_show_requests_prints_whole_json(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    (planned,) = cli("plan", sid=sid).result
    assert planned["requests"], planned
    text = cli("plan", "--show-requests", sid=sid, as_json=False)
    assert text.code == 0, text.stderr
    lines = text.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "batchUpdate of" in line) + 1
    assert lines[start] == "    ["
    end = next(i for i in range(start, len(lines)) if lines[i] == "    ]") + 1
    printed = json.loads(textwrap.dedent("\n".join(lines[start:end])))
    assert _same_ids(printed) == _same_ids(planned["requests"]), "every request, whole"
    assert max(len(json.dumps(r)) for r in printed) > 300, "a request longer than the old 300-character cut"


def _same_ids(requests: list[dict[str, Any]]) -> str:
    """The requests' JSON with the new history sheet's id (random per plan) replaced by one placeholder, ..."""
    text = json.dumps(requests, sort_keys=True)
    for r in requests:
        if "addSheet" in r:
            text = text.replace(str(r["addSheet"]["properties"]["sheetId"]), "NEW_SHEET_ID")
    # and the times and operation ids a plan writes into the history row it would add, new per plan
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z|\b[0-9a-f]{32}\b", "X", text)


DANGLING = re.compile(r"(?:[—:–-]|\s-)\s*$|—\s*\(|:\s*\)|—\s*;")


def test_a_hold_without_reason_leaves_no_dangling_separator(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    held = cli("hold", sid=sid, as_json=False)
    assert held.code == 0 and held.stdout.strip().startswith("Migrations are paused (no reason given"), held.stdout
    status = cli("status", sid=sid, as_json=False).stdout
    history = cli("history", sid=sid, as_json=False).stdout
    doctor = cli("doctor", sid=sid, as_json=False)
    hold_lines = [line for line in status.splitlines() if "hold:" in line]
    assert hold_lines and "(no reason given)" in hold_lines[0] and f"{ZONE} (no reason given)" in hold_lines[0]
    assert "no reason given" in history.splitlines()[1]
    doctor_hold = next(line for line in doctor.stdout.splitlines() if "hold:" in line)
    assert doctor_hold.endswith(f"{ZONE} (no reason given)"), doctor_hold
    for line in [*status.splitlines(), *history.splitlines(), *doctor.stdout.splitlines()]:
        assert not DANGLING.search(line), line

    assert cli("hold", "--release", sid=sid).code == 0
    assert cli("hold", "--reason", "cierre de mes", sid=sid, as_json=False).stdout.strip() == (
        "Migrations are paused: cierre de mes.")
    assert "(no reason given)" not in cli("status", sid=sid, as_json=False).stdout
    assert "reason: cierre de mes" in cli("history", sid=sid, as_json=False).stdout.splitlines()[1]


def test_status_and_history_say_where_the_run_logs_are(cli: Cli, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet()
    killed = cli("apply", "--execute", "--yes", sid=sid, failpoints="after:backup")
    assert killed.code != 0
    (run,) = cli("status", sid=sid).result["runs_in_flight"]
    assert run["action"] == "apply" and run["key"] == "3.0" and run["log"], run
    assert Path(run["log"]).is_file()
    shown = cli("status", sid=sid, as_json=False).stdout
    assert f"log: {run['log']}" in shown and "zeues-migrate apply 3.0 --execute" in shown, shown
    assert f"latest run log: {run['log']}" in shown

    assert cli("apply", "--execute", "--yes", sid=sid).code == 0  # resumed: the same run, the same log
    status = cli("status", sid=sid)
    assert status.result["runs_in_flight"] == [] and status.result["latest_log"] == run["log"]
    history = cli("history", sid=sid, as_json=False).stdout
    assert history.splitlines()[-1] == f"latest run log: {run['log']}"
