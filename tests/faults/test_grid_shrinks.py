"""Rows and columns deleted while `apply` reads its snapshot: the run stops with GRID_CHANGED (exit 10) instead
of Google's raw 400, changes nothing, keeps its checkpoint, and the same command run again completes.

Over real sockets to the emulator, which (as Google) refuses a values read whose range starts outside the grid.
The snapshot of Operaciones takes more than one read (the first chunk is rows 2..201); a latency fault holds the
second chunk's request open while the test deletes rows and columns through `batchUpdate` `deleteDimension`, as
a person editing the sheet would. When the held request is served, the grid no longer reaches its first row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from tests.faults.conftest import (
    Baseline,
    Cli,
    applied_once,
    checkpoint,
    faults_met,
    full_verification,
    history,
    lost_cells,
    single_apply_report,
    wait_until,
)
from tests.support.cli import Run, fingerprint
from tests.support.live import Live

SECOND_CHUNK = r"values:batchGet\?.*Operaciones(%27|')(%21|!)A202(%3A|:)"  # rows 202.. of the snapshot read
SPARE_COLUMNS = 2
ROWS_LEFT = 150  # below row 202: the held chunk now starts past the grid


def _grid(live: Live, sid: str, title: str) -> tuple[int, int, int]:
    got = live.sheets.spreadsheets().get(spreadsheetId=sid, fields="sheets.properties").execute()
    props = next(s["properties"] for s in got["sheets"] if s["properties"]["title"] == title)
    grid = props["gridProperties"]
    return int(props["sheetId"]), int(grid["rowCount"]), int(grid["columnCount"])


def _delete(sheet_id: int, dimension: str, start: int, end: int) -> dict[str, object]:
    return {"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": dimension, "startIndex": start,
                                          "endIndex": end}}}


def _apply_editing_mid_snapshot(cli: Cli, live: Live, emulator: Emulator, sid: str,
                                edit: Callable[[], object]) -> tuple[Run, dict[str, Any], Baseline]:
    """`apply --execute` with the snapshot's second chunk held open while `edit` changes the sheet; with the
    workbook and its v2.1 cells as the edit left them, observed inside the window (before the run goes on)."""
    emulator.fault(path=SECOND_CHUNK, latencyMs=4000, count=1)
    process = cli.spawn("apply", "--execute", "--yes", sid=sid)
    try:
        wait_until(lambda: not emulator.state()["faults"]["pending"] or process.poll() is not None, timeout=120,
                   what="the snapshot's second chunk to be held")
        held = process.poll() is None
        if held:
            edit()
            after_edit, baseline = fingerprint(live, emulator, sid), Baseline.read(live, sid)
    finally:
        run = Cli.finish(process)
    assert held, ("the run ended before its second snapshot chunk", run.code, run.stdout[-3000:], run.stderr[-3000:])
    return run, after_edit, baseline


def test_rows_and_columns_deleted_mid_snapshot_stop_the_run_cleanly_and_a_rerun_completes(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    sid = new_sheet()
    sheet_id, _, width = _grid(live, sid, "Operaciones")
    # Spare blank columns after the header, as a person may leave them: deleting them shrinks the grid without
    # touching a header column, so the rerun's drift check has nothing to refuse.
    live.batch_update(sid, [{"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                 "length": SPARE_COLUMNS}}])
    _, rows, columns = _grid(live, sid, "Operaciones")
    assert rows > 201 and columns == width + SPARE_COLUMNS
    spreadsheets_before = sorted(emulator.state()["spreadsheets"])

    # `baseline`: the v2.1 cells the rerun must keep, those the deletion left.
    run, after_deletion, baseline = _apply_editing_mid_snapshot(cli, live, emulator, sid, lambda: live.batch_update(
        sid, [_delete(sheet_id, "ROWS", ROWS_LEFT, rows), _delete(sheet_id, "COLUMNS", width, width + SPARE_COLUMNS)]))
    faults_met(emulator)

    # The clear error, with its own code: which sheet, the grid expected and the one found, rerun to resume.
    assert run.code == ExitCode.GRID_CHANGED, (run.code, run.stdout[-3000:], run.stderr[-3000:])
    assert run.error["code"] == "GRID_CHANGED"
    message = run.message
    assert "exceeds grid limits" in message and "'Operaciones' changed while it was being read" in message
    assert f"{rows:,} rows × {columns:,} columns" in message
    assert f"{ROWS_LEFT:,} rows × {width:,} columns" in message
    assert "rerun the same command" in message
    assert "Traceback" not in run.stderr

    # Nothing changed by the tool: no backup, no history row, the workbook as the deletion left it.
    assert fingerprint(live, emulator, sid) == after_deletion
    assert sorted(emulator.state()["spreadsheets"]) == spreadsheets_before
    assert history(live, sid) == []
    kept = checkpoint(cli, sid)
    assert kept is not None and "preflight" in kept["steps"] and "snapshot" not in kept["steps"], kept

    # The same command again resumes the kept run over the new structure, and completes.
    rerun = cli("apply", "--execute", "--yes", sid=sid)
    report = single_apply_report(rerun)
    assert report["status"] == "applied" and report["resumed"] is True
    assert report["run_id"] == kept["run_id"]
    full_verification(cli, sid, report)
    applied_once(live, sid)
    assert lost_cells(live, sid, baseline) == []
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply"]


def test_a_deletion_the_next_chunk_still_starts_inside_is_caught_after_the_snapshot(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Google clips a read that starts inside the grid: rows deleted above the held chunk's start leave it
    inside, so no 400 comes — the snapshot would be torn silently. The grid read after the last chunk sees it."""
    sid = new_sheet()
    sheet_id, rows, columns = _grid(live, sid, "Operaciones")
    assert rows > 260
    # Ten data rows inside the first chunk: everything below shifts up, row 202 is still in the grid.
    run, after_deletion, _ = _apply_editing_mid_snapshot(
        cli, live, emulator, sid, lambda: live.batch_update(sid, [_delete(sheet_id, "ROWS", 20, 30)]))
    assert run.code == ExitCode.GRID_CHANGED, (run.code, run.stdout[-3000:], run.stderr[-3000:])
    assert "shrank while the snapshot was read" in run.message
    assert f"{rows:,} rows × {columns:,} columns" in run.message and f"{rows - 10:,} rows" in run.message
    assert fingerprint(live, emulator, sid) == after_deletion, "nothing changed by the tool"
    kept = checkpoint(cli, sid)
    assert kept is not None and "snapshot" not in kept["steps"]
    rerun = cli("apply", "--execute", "--yes", sid=sid)
    report = single_apply_report(rerun)
    assert report["status"] == "applied" and report["resumed"] is True
    full_verification(cli, sid, report)
