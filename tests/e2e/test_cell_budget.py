"""Google's limits through the real CLI: `plan`'s cell figure is the workbook's real cell count after `apply`
(history sheet included), a change that would pass 10,000,000 cells is refused before any backup, and a column
default over 50,000 characters is refused before anything changes."""

from __future__ import annotations

import copy
import importlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orchestrator.contract.limits import CELL_LIMIT, HISTORY_GRID_ROWS, MAX_CELL_CHARS
from orchestrator.emulator import Emulator
from orchestrator.engine.state import HISTORY_COLUMNS, HISTORY_SHEET
from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import MIGRATIONS_DIR, load_baseline, load_migrations
from orchestrator.workbook import WorkbookOptions, build_workbook
from tests.e2e.conftest import Cli, history
from tests.support.cells import FILLER, cell_count, resource_cells, with_filler
from tests.support.live import Live

HISTORY_CELLS = HISTORY_GRID_ROWS * len(HISTORY_COLUMNS)


def test_plan_says_exactly_the_cells_apply_leaves_at_1000_spools(cli: Cli, live: Live,
                                                                 new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(1000)
    before = cell_count(live, sid)
    (planned,) = cli("plan", sid=sid).result
    assert planned["cells_before"] == before
    assert planned["cell_budget"]["history"] == HISTORY_CELLS, "the history sheet the run creates counts"
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr
    assert cell_count(live, sid) == planned["cells_after"], (before, planned["cells_after"])

    # Again with a history sheet that exists: rolled back, then planned and applied once more.
    assert cli("rollback", "3.0", "--execute", "--yes", sid=sid).code == 0
    before = cell_count(live, sid)
    (planned,) = cli("plan", sid=sid).result
    assert planned["cells_before"] == before and planned["cell_budget"]["history"] == 0
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    assert cell_count(live, sid) == planned["cells_after"]


def test_history_rows_that_grow_a_full_history_grid_are_counted(cli: Cli, live: Live,
                                                                new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(50)
    assert cli("backups", sid=sid).code == 0  # reads only: no history sheet yet
    live.run("backupSpreadsheet", {"opId": "e2e-full-history-0001", "spreadsheetId": sid})
    rows = [["", "", "note", "done", "", "", "", "", f"by-hand-{i:04d}", "{}"] for i in range(HISTORY_GRID_ROWS - 3)]
    live.update(sid, f"'{HISTORY_SHEET}'!A3", rows, "RAW")  # one empty row left: the apply's row grows the grid
    (planned,) = cli("plan", sid=sid).result
    assert planned["cell_budget"]["history"] == len(HISTORY_COLUMNS)
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    assert cell_count(live, sid) == planned["cells_after"]
    assert live.grid(sid, HISTORY_SHEET)["rowCount"] == HISTORY_GRID_ROWS + 1


def near_the_limit(over: int, *, full_grid: bool = False) -> dict[str, Any]:
    """A generated workbook with a filler sheet, so that `apply` (three columns and the history sheet its backup
    creates) ends exactly `over` cells past CELL_LIMIT. `full_grid`: Operaciones has no empty row (so a rollback's
    archive outweighs the columns it deletes)."""
    resource = build_workbook(WorkbookOptions(spools=50, seed=2))
    ops = resource["sheets"][0]["properties"]["gridProperties"]
    if full_grid:
        ops["rowCount"] = len(resource["sheets"][0]["data"][0]["rowData"])
    return with_filler(resource, CELL_LIMIT + over - 3 * ops["rowCount"] - HISTORY_CELLS)


def spreadsheets(emulator: Emulator) -> list[str]:
    return sorted(emulator.state()["spreadsheets"])


def test_an_apply_that_lands_exactly_on_the_limit_runs(cli: Cli, live: Live, emulator: Emulator) -> None:
    sid = emulator.create_spreadsheet(near_the_limit(0))
    (planned,) = cli("plan", sid=sid).result
    assert planned["cells_after"] == CELL_LIMIT and not [f for f in planned["findings"] if f["level"] == "error"]
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr
    assert cell_count(live, sid) == CELL_LIMIT


def test_one_cell_more_is_refused_by_plan_and_apply_before_any_backup(cli: Cli, live: Live,
                                                                      emulator: Emulator) -> None:
    sid = emulator.create_spreadsheet(near_the_limit(1))
    copies, before = spreadsheets(emulator), cell_count(live, sid)
    (planned,) = cli("plan", sid=sid).result
    (refusal,) = [f for f in planned["findings"] if f["level"] == "error"]
    assert refusal["code"] == "CELL_LIMIT" and planned["cells_after"] == CELL_LIMIT + 1 and planned["requests"] == []
    refused = cli("apply", "--execute", "--yes", sid=sid)
    assert refused.code == ExitCode.REFUSED and refused.error["code"] == "CELL_LIMIT"
    for words in (f"to {CELL_LIMIT + 1:,} cells", "+1,000 history sheet", "over Google's limit of 10,000,000",
                  "delete unused empty rows or columns"):
        assert words in refused.message, refused.message
    assert spreadsheets(emulator) == copies, "no backup was made"
    assert HISTORY_SHEET not in live.sheet_titles(sid) and cell_count(live, sid) == before
    assert all(json.loads(p.read_text())["steps"] == {} for p in cli.checkpoints.rglob("apply-*.json")), \
        "the run stopped at its preflight"


def test_a_rollback_over_the_limit_is_refused_before_its_backup(cli: Cli, live: Live, emulator: Emulator) -> None:
    """Operaciones with no empty row: every archived row (sheet, row, key and three values) outweighs the three
    cells its deleted columns held, so the rollback's budget counts the archive, not only the deletion."""
    sid = emulator.create_spreadsheet(near_the_limit(-10_000, full_grid=True))
    assert cli("apply", "--execute", "--yes", sid=sid).code == 0
    rows = live.grid(sid, "Operaciones")["rowCount"]
    spools = sum(1 for r in live.values(sid, "Operaciones!G2:G") if r and r[0])
    net = (spools + 1) * 6 - 3 * rows  # the archive (header and one row per spool) minus the three columns
    assert net > 0
    filler = live.sheet_id(sid, FILLER)
    # The capture sheet (the deleted columns copied first, as tall as Operaciones, as wide as its rightmost deleted
    # column) is there from the start of the batch to its follow-up: it counts at the peak, not at the end.
    capture = rows * live.grid(sid, "Operaciones")["columnCount"]
    grow = CELL_LIMIT + 1 - net - capture - cell_count(live, sid)
    live.batch_update(sid, [{"appendDimension": {"sheetId": filler, "dimension": "ROWS", "length": grow}}])
    copies = spreadsheets(emulator)
    refused = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert refused.code == ExitCode.REFUSED and refused.error["code"] == "CELL_LIMIT", refused.doc
    assert "rolling back 3.0 would bring" in refused.message and "archive sheet" in refused.message
    assert f"to {CELL_LIMIT + 1:,} cells" in refused.message, refused.message
    assert spreadsheets(emulator) == copies, "no backup was made"

    live.batch_update(sid, [{"deleteDimension": {"range": {"sheetId": filler, "dimension": "ROWS", "startIndex": 0,
                                                           "endIndex": 1}}}])
    rolled = cli("rollback", "3.0", "--execute", "--yes", sid=sid)
    assert rolled.code == 0, rolled.stderr
    assert cell_count(live, sid) == CELL_LIMIT - capture
    assert [h["action"] for h in history(live, sid)][-2:] == ["backup", "rollback"]


# -- a column default over 50,000 characters -----------------------------------------------------------------


@pytest.fixture
def migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A migrations folder of the test's own, loaded by the CLI verbs instead of the packaged one (the CLI has no
    option for another folder: migrations ship with the tool and its bridge), run in this process."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(MIGRATIONS_DIR / "baseline.json", folder)
    for name in ("orchestrator.cli.plan", "orchestrator.cli.apply"):
        module = importlib.import_module(name)  # not `orchestrator.cli.plan`: the package's `plan` is the command
        monkeypatch.setattr(module, "load_migrations", lambda: load_migrations(folder))
        monkeypatch.setattr(module, "load_baseline", lambda: load_baseline(folder))
    for variable in [k for k in os.environ if k.startswith("ZEUES_")]:
        monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    yield folder


def write_v30_with_default(folder: Path, default: str) -> None:
    spec = json.loads((MIGRATIONS_DIR / "3.0.json").read_text(encoding="utf-8"))
    spec["operations"][0]["columns"][0]["default"] = default
    (folder / "3.0.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")


def run_in_process(cli: Cli, verb: str, sid: str, *args: str) -> tuple[int, dict[str, Any]]:
    from orchestrator.cli import main

    command, _ = cli._command(verb, args, sid, None, None, "", True, True)  # the flags the subprocess gets
    result = CliRunner().invoke(main, command[1:])
    return result.exit_code, json.loads(result.stdout)


def test_a_default_over_50000_characters_is_refused_before_anything_changes(
        cli: Cli, live: Live, emulator: Emulator, migrations: Path, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(20)
    copies, before = spreadsheets(emulator), copy.deepcopy(live.snapshot(sid))
    write_v30_with_default(migrations, "x" * (MAX_CELL_CHARS + 1))
    for verb, args in (("plan", ()), ("apply", ("--execute", "--yes"))):
        code, doc = run_in_process(cli, verb, sid, *args)
        assert code == ExitCode.USAGE and not doc["ok"], doc
        message = doc["error"]["message"]
        for words in ("3.0.json", "the default of column 'Ocupado_Por' is 50,001 characters",
                      "over Google's limit of 50,000 per cell", "shorten it"):
            assert words in message, message[:600]
    assert live.snapshot(sid) == before and spreadsheets(emulator) == copies, "nothing changed, no backup"

    write_v30_with_default(migrations, "y" * MAX_CELL_CHARS)
    code, doc = run_in_process(cli, "plan", sid)
    assert code == 0 and not [f for f in doc["result"][0]["findings"] if f["level"] == "error"], doc
    code, doc = run_in_process(cli, "apply", sid, "--execute", "--yes")
    assert code == 0 and doc["result"]["runs"][0]["verification"]["status"] == "passed", doc
    header = live.header(sid, "Operaciones")
    values = live.values(sid, "Operaciones!A2:ZZ")
    tag, column = header.index("TAG_SPOOL"), header.index("Ocupado_Por")
    assert {r[column] for r in values if len(r) > tag and r[tag]} == {"y" * MAX_CELL_CHARS}
