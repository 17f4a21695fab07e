"""`zeues-migrate verify` reads every row of the declared columns and checks each cell against its column
contract (issue 16): through the real CLI against the session's emulator."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from orchestrator.domain import ColumnMap
from orchestrator.exit_codes import ExitCode
from tests.e2e.conftest import Cli
from tests.support.live import Live


def _keyed_rows(live: Live, sid: str) -> tuple[ColumnMap, list[tuple[int, str]]]:
    """The header map and (sheet row, TAG_SPOOL) of every spool."""
    table = live.values(sid, "Operaciones!A1:ZZ", "FORMULA")
    columns = ColumnMap([str(h) for h in table[0]])
    tag = columns.index("TAG_SPOOL")
    return columns, [(n, str(r[tag])) for n, r in enumerate(table[1:], start=2) if len(r) > tag and r[tag]]


def test_verify_checks_every_cell_and_lists_exactly_the_broken_ones_by_tag(
        cli: Cli, live: Live, new_sheet: Callable[..., str]) -> None:
    sid = new_sheet(1000)
    applied = cli("apply", "--execute", "--yes", sid=sid)
    assert applied.code == 0, applied.stderr

    clean = cli("verify", sid=sid)
    assert clean.code == ExitCode.OK and clean.result["status"] == "passed", clean.stdout
    assert clean.result["rows_checked"] >= 1000 and clean.result["cells_checked"] > 1000 * 3
    assert clean.result["violations_total"] == 0

    columns, spools = _keyed_rows(live, sid)
    version, fecha = columns.letter("version"), columns.letter("Fecha_Ocupacion")
    broken: dict[tuple[str, str], object] = {}
    for n, tag in spools[10:15]:
        live.update(sid, f"Operaciones!{version}{n}", [["not-a-version"]], "RAW")
        broken[(tag, "version")] = "not-a-version"
    for n, tag in spools[500:502]:
        value = str(uuid.uuid4())
        live.update(sid, f"Operaciones!{version}{n}", [[value]], "RAW")
        broken[(tag, "version")] = value
    n, tag = spools[900]
    live.update(sid, f"Operaciones!{fecha}{n}", [["abc"]], "RAW")
    broken[(tag, "Fecha_Ocupacion")] = "abc"

    found = cli("verify", sid=sid)
    assert found.code == ExitCode.VIOLATIONS, found.stderr
    assert found.error["code"] == "VIOLATIONS"
    report = found.result
    assert report["status"] == "violations" and report["violations_total"] == 8
    assert {(v["key"], v["column"]): v["value"] for v in report["violations"]} == broken
    assert all(v["sheet"] == "Operaciones" and v["problem"] for v in report["violations"])
    rows_by_tag = dict((t, n) for n, t in spools)
    assert all(v["row"] == rows_by_tag[v["key"]] for v in report["violations"])

    capped = cli("verify", "--max-violations", "3", sid=sid)
    assert capped.code == ExitCode.VIOLATIONS
    assert len(capped.result["violations"]) == 3 and capped.result["violations_total"] == 8

    text = cli("verify", sid=sid, as_json=False)
    assert text.code == ExitCode.VIOLATIONS
    assert "8 violations" in text.stdout + text.stderr
    assert all(tag in text.stdout + text.stderr for tag, _ in broken)

    status = cli("status", sid=sid)
    assert status.code == ExitCode.OK, status.stderr
    last = status.result["last_verify"]
    assert last["status"] == "violations" and last["violations_total"] == 8 and last["rows_checked"] >= 1000
    assert last["last_passed_at"] is not None, "status says when verify last passed"
    shown = cli("status", sid=sid, as_json=False)
    assert "last verify: violations" in shown.stdout and "last passed: 20" in shown.stdout
