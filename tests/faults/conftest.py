"""Fault-injection fixtures: one emulator running the real bridge, the real CLI as a subprocess, one generated
workbook, the state an uninterrupted apply leaves (the reference every faulted run must end at), and the two
closing checks of every test: the full verifier and the count of what was lost.

Step-boundary kills (SIGKILL between every pair of steps, and between a bridge call and its checkpoint) are
`tests/e2e/test_resume.py`; the kills here land *inside* a step.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrator.emulator import Emulator
from orchestrator.workbook import WorkbookOptions, write_workbook
from tests.support.observe import history, observe
from tests.support.cli import Cli, Run
from tests.support.live import Live

# Big enough that a snapshot of Operaciones takes more than one read: reads here are capped at READ_ROWS rows
# (a read is otherwise ~1.5 MB of rows, which would hold this whole workbook).
SPOOLS = 300
READ_ROWS = 200
V30_COLUMNS = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
V21_SHEETS = ("Operaciones", "Metadata")

__all__ = ["Cli", "Run", "history", "observe", "SPOOLS", "V30_COLUMNS"]


@pytest.fixture(autouse=True)
def no_faults_left(emulator: Emulator) -> Iterator[None]:
    """Faults, quotas and script settings are global to the emulator: each test starts and ends without any."""
    emulator.reset()
    yield
    emulator.reset()


@pytest.fixture
def live(emulator: Emulator) -> Live:
    return Live(emulator.url, emulator.deployment_id)


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> Cli:
    return Cli(emulator, tmp_path / "checkpoints", tmp_path, env={"ZEUES_TEST_READ_ROWS": str(READ_ROWS)})


@pytest.fixture(scope="package")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults-workbook") / f"wb-{SPOOLS}.json"
    write_workbook(WorkbookOptions(spools=SPOOLS, seed=3), path)
    return path


@pytest.fixture
def new_sheet(emulator: Emulator, source: Path) -> Callable[[], str]:
    return lambda: emulator.create_spreadsheet(source)


@pytest.fixture(scope="package")
def reference(emulator: Emulator, source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`observe()` of the same workbook after one uninterrupted, unfaulted `apply`."""
    emulator.reset()
    folder = tmp_path_factory.mktemp("faults-reference")
    sid = emulator.create_spreadsheet(source)
    run = Cli(emulator, folder / "checkpoints", folder)("apply", "--execute", "--yes", sid=sid)
    assert run.code == 0, run.stderr[-2000:]
    return observe(Live(emulator.url, emulator.deployment_id), sid)


# -- the closing checks ----------------------------------------------------------------------------------------

def cells(live: Live, sid: str, sheet: str) -> list[list[Any]]:
    """Every cell of a sheet as the v2.1 backend reads it back (FORMULA render: formulas as formulas)."""
    return live.values(sid, f"'{sheet}'", "FORMULA")


@dataclass
class Baseline:
    """The v2.1 cells of a workbook before anything ran, and every write made to it since (the expected final
    state is the one overlaid with the other)."""

    sheets: dict[str, list[list[Any]]]
    writes: dict[tuple[str, int, int], Any] = field(default_factory=dict)  # (sheet, row 1-based, column 0-based)

    @classmethod
    def read(cls, live: Live, sid: str) -> Baseline:
        return cls({sheet: cells(live, sid, sheet) for sheet in V21_SHEETS})

    def expected(self, sheet: str) -> list[list[Any]]:
        rows = [list(r) for r in self.sheets[sheet]]
        for (title, row, column), value in self.writes.items():
            if title != sheet:
                continue
            while len(rows) < row:
                rows.append([])
            line = rows[row - 1]
            line.extend([""] * (column + 1 - len(line)))
            line[column] = value
        return rows


def lost_cells(live: Live, sid: str, baseline: Baseline) -> list[str]:
    """Every v2.1 cell (each sheet's original width, every row) whose final value is not the expected one: the
    original value, or the last value a concurrent writer put there. Must be empty."""
    lost = []
    for sheet in V21_SHEETS:
        expected = baseline.expected(sheet)
        width = len(baseline.sheets[sheet][0])
        final = cells(live, sid, sheet)
        for r in range(max(len(expected), len(final))):
            want = (expected[r] if r < len(expected) else [])[:width]
            got = (final[r] if r < len(final) else [])[:width]
            for c in range(width):
                a = want[c] if c < len(want) else ""
                b = got[c] if c < len(got) else ""
                if a != b:
                    lost.append(f"{sheet}!R{r + 1}C{c + 1}: expected {a!r}, found {b!r}")
    return lost


def full_verification(cli: Cli, sid: str, report: dict[str, Any], *, concurrent: bool = False) -> None:
    """The run's own verification (every row, every cell against its snapshot) and the CLI's `verify`."""
    verification = report["verification"]
    assert verification is not None, report
    assert not [c for c in verification["checks"] if not c["ok"]], verification["checks"]
    if concurrent:
        assert verification["status"] in ("passed", "passed_with_concurrent_changes"), verification
    else:
        # Nothing else wrote: any listed change would be the run's own doing (or a torn snapshot).
        assert verification["status"] == "passed" and verification["concurrent_changes_total"] == 0, verification
    verified = cli("verify", sid=sid)
    assert verified.code == 0, verified.stdout + verified.stderr[-2000:]
    assert verified.result["status"] == "passed", verified.result


def applied_once(live: Live, sid: str) -> None:
    """The v3.0 columns stand exactly once, at the end of the v2.1 header."""
    header = live.header(sid, "Operaciones")
    assert [h for h in header if h in V30_COLUMNS] == V30_COLUMNS, header
    assert header[-3:] == V30_COLUMNS, header


def single_apply_report(run: Run) -> dict[str, Any]:
    assert run.code == 0, (run.code, run.stdout[-3000:], run.stderr[-3000:])
    reports = run.result["runs"]
    assert isinstance(reports, list) and len(reports) == 1, reports
    report: dict[str, Any] = reports[0]
    return report


def faults_met(emulator: Emulator) -> None:
    """Every fault a test set was met: a test whose faults never matched a request proves nothing."""
    assert emulator.state()["faults"]["pending"] == [], emulator.state()["faults"]


def checkpoint(cli: Cli, sid: str, action: str = "apply") -> dict[str, Any] | None:
    path = cli.checkpoints / sid / f"{action}-3.0.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data


def wait_until(condition: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
