"""People edit the sheet's structure, and workers type, while the rollback's one batchUpdate is on its way
(issue 12, findings 2 and 3): no v2.1 cell or header is lost, no 3.0 column is left, and the archive holds every
value the 3.0 columns held — a value typed inside the window included, and reported in the result.

Google has no compare-and-swap for structure: the batch's column indices apply to whatever layout exists when it
lands. The bridge copies each column it deletes into a hidden capture sheet in the same batch, then checks and
puts right under the lock (appsscript/Rollback.js). Here a latency fault holds exactly the original's third
batchUpdate — after the backup's two history rows, the rollback's own — 2.5 s inside the bridge, while the test
edits over a real socket, as a person (or the v2.1 backend) would. The follow-up batches are not held.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.contract.limits import CELL_LIMIT
from orchestrator.emulator import Emulator
from orchestrator.exit_codes import ExitCode
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.bridge.conftest import v30
from tests.bridge.helpers import apply
from tests.faults.conftest import V30_COLUMNS, Baseline, Cli, cells, checkpoint, faults_met, history, wait_until
from tests.support.cells import FILLER, cell_count, resource_cells, with_filler
from tests.support.cli import Run
from tests.support.live import BridgeError, Live, op_id

HOLD_MS = 2500
TYPED = "MR(77)"
Rows = list[list[Any]]


def _trim(row: list[Any]) -> list[Any]:
    out = ["" if v is None else v for v in row]
    while out and out[-1] == "":
        out.pop()
    return out


def _lost(expected: Rows, final: Rows, sheet: str) -> list[str]:
    """Every cell, over the whole width, whose final value is not the expected one."""
    lost = []
    for r in range(max(len(expected), len(final))):
        want = _trim(expected[r] if r < len(expected) else [])
        got = _trim(final[r] if r < len(final) else [])
        for c in range(max(len(want), len(got))):
            a = want[c] if c < len(want) else ""
            b = got[c] if c < len(got) else ""
            if a != b:
                lost.append(f"{sheet}!R{r + 1}C{c + 1}: expected {a!r}, found {b!r}")
    return lost


def _column_letter(index: int) -> str:
    letters, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _as_edited(live: Live, new_sheet: Callable[[], str], edit: Callable[[str, int], object]) -> Rows:
    """Operaciones as the edit alone leaves the v2.1 workbook: the same edit made to a fresh copy of it (so
    formulas that refer to moved cells follow them, as Google's do)."""
    copy = new_sheet()
    edit(copy, live.sheet_id(copy, "Operaciones"))
    return cells(live, copy, "Operaciones")


def _archive(live: Live, sid: str) -> tuple[str, Rows]:
    titles = [t for t in live.sheet_titles(sid) if t.startswith("_zeues_archive_")]
    assert len(titles) == 1, titles  # the archive, and no capture sheet left over
    return titles[0], live.values(sid, f"'{titles[0]}'", "FORMULA")


def _applied(cli: Cli, live: Live, sid: str) -> tuple[Baseline, dict[int, list[Any]]]:
    """3.0 applied on a fresh sheet; the v2.1 cells before it, and what each row's 3.0 columns hold after it."""
    baseline = Baseline.read(live, sid)
    run = cli("apply", "--execute", "--yes", sid=sid)
    assert run.code == 0, (run.code, run.stdout[-2000:], run.stderr[-2000:])
    ops = cells(live, sid, "Operaciones")
    at = [ops[0].index(name) for name in V30_COLUMNS]
    held = {}
    for number, row in enumerate(ops[1:], start=2):
        values = [row[c] if c < len(row) else "" for c in at]
        if any(v not in ("", None) for v in values):
            held[number] = values
    return baseline, held


def _rollback_with(cli: Cli, live: Live, emulator: Emulator, sid: str, edit: Callable[[], object]) -> Run:
    """`rollback 3.0 --execute` with the rollback's batchUpdate held while `edit` runs."""
    emulator.fault(path=rf"/v4/spreadsheets/{sid}:batchUpdate$", latencyMs=HOLD_MS, count=3)
    process = cli.spawn("rollback", "3.0", "--execute", "--yes", sid=sid)
    try:
        def held() -> bool:
            state = checkpoint(cli, sid, "rollback") or {}
            em = emulator.state()
            # The backup is verified, a bridge call holds the lock, and the third batchUpdate has met its fault.
            return "verify_backup" in (state.get("steps") or {}) and bool(em["locks"]) and not em["faults"]["pending"]

        wait_until(lambda: held() or process.poll() is not None, timeout=180, what="the rollback's batch to be held")
        inside = process.poll() is None
        started = time.monotonic()
        if inside:
            edit()
        took = time.monotonic() - started
    finally:
        run = Cli.finish(process)
    assert inside, ("the run ended before its batch was held", run.code, run.stdout[-3000:], run.stderr[-3000:])
    assert took < HOLD_MS / 1000 / 2, f"the edit took {took:.2f} s: it may have missed the window"
    faults_met(emulator)
    return run


def _bridge_result(run: Run) -> dict[str, Any]:
    assert run.code in (0, int(ExitCode.VERIFY_FAILED)), (run.code, run.stdout[-3000:], run.stderr[-3000:])
    report = run.result
    assert isinstance(report, dict) and report.get("bridge_result"), run.doc
    result: dict[str, Any] = report["bridge_result"]
    assert result["status"] == "rolled_back", result
    # The verifier may fail a human's structural edit (exit 6): the sheet itself is checked strictly by the test.
    failed = [c["name"] for c in (report.get("verification") or {}).get("checks", []) if not c["ok"]]
    print(f"exit {run.code}, verification checks failed: {failed}")
    return result


def _rolled_back_cleanly(live: Live, sid: str, baseline: Baseline, held: dict[int, list[Any]],
                         operaciones: Rows, typed: dict[int, str] | None = None) -> None:
    """The closing checks: every v2.1 cell and header as expected (`operaciones`: Operaciones after the edit),
    Metadata untouched, no 3.0 column or tag, no capture sheet, and the archive holding every 3.0 value."""
    final = cells(live, sid, "Operaciones")
    assert _lost(operaciones, final, "Operaciones") == []
    assert _lost(baseline.expected("Metadata"), cells(live, sid, "Metadata"), "Metadata") == []
    header = live.header(sid, "Operaciones")
    assert not [h for h in header if h in V30_COLUMNS], header
    assert live.metadata(sid, "zeues.migration") == [] and live.metadata(sid, "zeues.column") == []
    _, archive = _archive(live, sid)
    assert archive[0] == ["sheet", "row", "key", *V30_COLUMNS], archive[0]
    want = {row: list(values) for row, values in held.items()}
    for row, value in (typed or {}).items():
        want.setdefault(row, ["", "", ""])[0] = value
    got = {int(r[1]): (r[3:] + ["", "", ""])[:3] for r in archive[1:] if r and r[0] == "Operaciones"}
    assert got == want
    assert [h["action"] for h in history(live, sid)] == ["backup", "apply", "backup", "rollback"]


def test_a_column_inserted_at_c_while_the_rollback_lands_loses_no_v21_column(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Finding 2: the deletes' indices are one off. Before: `Precio Total` deleted, `version` left standing."""
    sid = new_sheet()
    baseline, held = _applied(cli, live, sid)
    def insert(target: str, sheet_id: int) -> object:
        return live.batch_update(target, [{"insertDimension": {"range": {
            "sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3}, "inheritFromBefore": False}}])

    ops_id = live.sheet_id(sid, "Operaciones")
    run = _rollback_with(cli, live, emulator, sid, lambda: insert(sid, ops_id))
    result = _bridge_result(run)
    # The insert itself is the human's: every row gains a blank cell at C, and formulas follow the cells they name.
    _rolled_back_cleanly(live, sid, baseline, held, _as_edited(live, new_sheet, insert))
    v21 = [str(h) for h in baseline.sheets["Operaciones"][0]]
    assert live.header(sid, "Operaciones") == v21[:2] + [""] + v21[2:]
    assert [c["name"] for c in result["restoredColumns"]] == [v21[-1]], result
    assert result["typedDuringRollback"] == []


def test_a_value_typed_into_ocupado_por_while_the_rollback_lands_is_archived_and_reported(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """Finding 3: before, the value was in neither the sheet nor the archive, and the run exited 0."""
    sid = new_sheet()
    baseline, held = _applied(cli, live, sid)
    header = live.header(sid, "Operaciones")
    ops = baseline.sheets["Operaciones"]
    tag_at = [str(h) for h in ops[0]].index("TAG_SPOOL")
    row = 17
    tag = str(ops[row - 1][tag_at])
    a1 = f"'Operaciones'!{_column_letter(header.index('Ocupado_Por'))}{row}"
    run = _rollback_with(cli, live, emulator, sid, lambda: live.update(sid, a1, [[TYPED]]))
    result = _bridge_result(run)
    _rolled_back_cleanly(live, sid, baseline, held, baseline.expected("Operaciones"), typed={row: TYPED})
    assert result["typedDuringRollback"] == [{"sheet": "Operaciones", "row": row, "key": tag,
                                              "column": "Ocupado_Por", "value": TYPED}], result
    assert result["restoredColumns"] == []


def test_a_v21_column_moved_after_the_30_columns_while_the_rollback_lands_stays(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """The deletes land one column to the right: the moved v2.1 column is captured, deleted and put back;
    `Ocupado_Por`, left standing, is archived and deleted by the follow-up."""
    sid = new_sheet()
    baseline, held = _applied(cli, live, sid)
    ops_id = live.sheet_id(sid, "Operaciones")
    v21 = [str(h) for h in baseline.sheets["Operaciones"][0]]
    moved = v21.index("Armador")

    def move(target: str, sheet_id: int) -> object:
        """Armador to the end of the grid: after `version` on the sheet with 3.0, after the last v2.1 column on
        a v2.1 copy."""
        return live.batch_update(target, [{"moveDimension": {
            "source": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": moved, "endIndex": moved + 1},
            "destinationIndex": live.grid(target, "Operaciones")["columnCount"]}}])

    run = _rollback_with(cli, live, emulator, sid, lambda: move(sid, ops_id))
    result = _bridge_result(run)
    _rolled_back_cleanly(live, sid, baseline, held, _as_edited(live, new_sheet, move))
    assert live.header(sid, "Operaciones") == v21[:moved] + v21[moved + 1:] + ["Armador"]
    assert [c["name"] for c in result["restoredColumns"]] == ["Armador"], result


def test_a_v21_column_deleted_while_the_rollback_lands_leaves_no_30_column(
        cli: Cli, live: Live, emulator: Emulator, new_sheet: Callable[[], str]) -> None:
    """A human deletes a column (the deletion is theirs): the batch's last index is past the grid, Google rejects
    it whole, and the bridge plans again from the live sheet under the same lock. Before: ZEUES_FAILED, all three
    3.0 columns left."""
    sid = new_sheet()
    baseline, held = _applied(cli, live, sid)
    ops_id = live.sheet_id(sid, "Operaciones")
    v21 = [str(h) for h in baseline.sheets["Operaciones"][0]]
    gone = v21.index("Soldador")

    def delete(target: str, sheet_id: int) -> object:
        return live.batch_update(target, [{"deleteDimension": {"range": {
            "sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": gone, "endIndex": gone + 1}}}])

    run = _rollback_with(cli, live, emulator, sid, lambda: delete(sid, ops_id))
    result = _bridge_result(run)
    _rolled_back_cleanly(live, sid, baseline, held, _as_edited(live, new_sheet, delete))
    assert live.header(sid, "Operaciones") == v21[:gone] + v21[gone + 1:]
    assert result["restoredColumns"] == [] and result["typedDuringRollback"] == []


@pytest.mark.parametrize("over", [0, 1])
def test_the_capture_counts_toward_the_peak_and_is_gone_at_the_end(live: Live, emulator: Emulator, over: int) -> None:
    """Google checks the cell limit request by request: the capture sheets (rows x columns up to the last deleted
    one) are there with the archive before the follow-up deletes them. A peak one cell over is refused before
    anything changes; one at the limit is accepted, and ends without the capture."""
    spools = 20
    resource = build_workbook(WorkbookOptions(spools=spools, seed=3))
    ops = resource["sheets"][0]
    ops["properties"]["gridProperties"]["rowCount"] = len(ops["data"][0]["rowData"])  # no empty row
    sid = emulator.create_spreadsheet(with_filler(resource, resource_cells(resource) + 1))
    apply(live, sid, v30())
    grid = live.grid(sid, "Operaciones")
    capture = grid["rowCount"] * grid["columnCount"]  # 3.0's columns are the last ones
    net = (spools + 1) * (3 + 3) - 3 * grid["rowCount"]  # the archive (header, a row per spool) less the columns
    grow = CELL_LIMIT + over - capture - net - cell_count(live, sid)
    live.batch_update(sid, [{"appendDimension": {"sheetId": 4242, "dimension": "ROWS", "length": grow}}])
    before = cell_count(live, sid)
    request = {"opId": op_id(), "spreadsheetId": sid, "migrationId": "3.0"}
    if over:
        titles = live.sheet_titles(sid)
        with pytest.raises(BridgeError) as err:
            live.run("rollbackMigration", request)
        assert err.value.code == "ZEUES_CELL_LIMIT" and f"to {CELL_LIMIT + 1} cells" in err.value.message
        assert f"+{capture} capture sheets while it runs" in err.value.message, err.value.message
        assert live.sheet_titles(sid) == titles and cell_count(live, sid) == before
    else:
        assert live.run("rollbackMigration", request)["status"] == "rolled_back"
        assert cell_count(live, sid) == before + net == CELL_LIMIT - capture
        assert not [t for t in live.sheet_titles(sid) if "_capture_" in t]
    assert FILLER in live.sheet_titles(sid)
