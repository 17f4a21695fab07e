"""Hostile sheet shapes: sheets missing, headers the tool cannot map safely, new names already taken, the cell
and column limits. `zeues-migrate apply` refuses each with exit 4 (refused; nothing changed), a message that
names the problem and says what to do, and the workbook exactly as it was — no backup made either. The bridge
refuses the same sheets on its own (the menu runs it without the orchestrator's preflight)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.exit_codes import ExitCode
from orchestrator.migrations import bridge_payload, load_baseline, load_migrations
from tests.hostile.conftest import Fingerprint, refused, workbook
from tests.support.cli import Cli
from tests.support.live import BridgeError, Live, op_id

PLAN_AGAIN = "zeues-migrate plan"


def v30() -> dict[str, Any]:
    return bridge_payload(next(m for m in load_migrations() if m.id == "3.0"))


def operaciones(resource: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in resource["sheets"] if s["properties"]["title"] == "Operaciones")


def header_cells(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return operaciones(resource)["data"][0]["rowData"][0]["values"]  # type: ignore[no-any-return]


def set_header(resource: dict[str, Any], name: str, value: str | None) -> None:
    cells = header_cells(resource)
    at = next(i for i, c in enumerate(cells) if c.get("userEnteredValue", {}).get("stringValue") == name)
    cells[at] = {"userEnteredValue": {"stringValue": value}} if value is not None else {}


def append_header(resource: dict[str, Any], value: str) -> None:
    header_cells(resource).append({"userEnteredValue": {"stringValue": value}})
    operaciones(resource)["properties"]["gridProperties"]["columnCount"] += 1


def bridge_refuses(live: Live, sid: str, code: str, *words: str) -> None:
    """The bridge's own guard: applyMigration without the orchestrator refuses with ZEUES_<code>."""
    with pytest.raises(BridgeError) as info:
        live.run("applyMigration", {"opId": op_id(), "spreadsheetId": sid, "migration": v30(),
                                    "baseline": load_baseline().model_dump(mode="json")})
    assert info.value.code == f"ZEUES_{code}", info.value.message
    for word in words:
        assert word.lower() in info.value.message.lower(), f"{word!r} not in {info.value.message}"


def apply_refused(cli: Cli, live: Live, observe: Fingerprint, sid: str, code: str, *words: str,
                  bridge_words: tuple[str, ...] = (), plan: bool = False) -> str:
    before = observe(sid)
    message = refused(cli("apply", "--execute", "--yes", sid=sid), ExitCode.REFUSED, code, *words, PLAN_AGAIN)
    if plan:  # `plan` shows the same finding (it does not crash on the sheet) and changes nothing either
        shown = cli("plan", sid=sid)
        assert shown.code == 0 and any(f["code"] == code and f["level"] == "error"
                                       for f in shown.result[0]["findings"]), shown.doc
        assert shown.result[0]["requests"] == []
    bridge_refuses(live, sid, code, *bridge_words)
    assert observe(sid) == before
    return message


@pytest.mark.parametrize(("title", "how"), [("Operaciones", "renamed"), ("Metadata", "deleted")])
def test_a_missing_sheet(cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str], title: str,
                         how: str) -> None:
    resource = workbook()
    if how == "renamed":
        next(s for s in resource["sheets"] if s["properties"]["title"] == title)["properties"]["title"] = title + " (old)"
    else:
        resource["sheets"] = [s for s in resource["sheets"] if s["properties"]["title"] != title]
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "NOT_FOUND", f"sheet '{title}' not found", f"rename it back to '{title}'",
                  bridge_words=(f'sheet "{title}" not found',), plan=how == "renamed")


@pytest.mark.parametrize("duplicate", ["NV", "FÉCHA ARMADO"])
def test_duplicate_headers(cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str],
                           duplicate: str) -> None:
    """Exact duplicates and names that are the same after normalisation (case, accents, spaces, underscores)."""
    resource = workbook()
    set_header(resource, "Notas", duplicate)
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "CONFLICT", "duplicate header", f"'{duplicate}'", "rename one",
                  bridge_words=("duplicate header names", duplicate), plan=duplicate != "NV")


def test_blank_header_cells_between_named_ones(cli: Cli, live: Live, observe: Fingerprint,
                                               new_sheet: Callable[..., str]) -> None:
    resource = workbook()
    set_header(resource, "Notas", None)  # column S
    set_header(resource, "DIAM", "   ")  # column V: only spaces is blank too
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "CONFLICT", "blank header cells", "S, V", "name or delete",
                  bridge_words=("blank header cell at column S",))


def test_no_key_column(cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str]) -> None:
    resource = workbook()
    set_header(resource, "TAG_SPOOL", "CODIGO_BARRA")
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "NOT_FOUND", "key column 'TAG_SPOOL' not found", "name the column",
                  bridge_words=('key column "TAG_SPOOL" not found',), plan=True)


@pytest.mark.parametrize("existing", ["Ocupado_Por", "VERSION", "Fecha_Ocupacion "])
def test_a_new_name_already_in_the_header(cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str],
                                          existing: str) -> None:
    """Exact, another case, a trailing space: all the same column name."""
    resource = workbook()
    append_header(resource, existing)
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "CONFLICT", f"already has a column '{existing}' at BM", "rename or remove",
                  bridge_words=(f'already has a column "{existing}"',))


def test_a_workbook_at_the_cell_limit(cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str]) -> None:
    """Room for two of the three new columns: the third would pass 10,000,000 cells."""
    resource = workbook()
    cells = sum(s["properties"]["gridProperties"]["rowCount"] * s["properties"]["gridProperties"]["columnCount"]
                for s in resource["sheets"])
    rows = operaciones(resource)["properties"]["gridProperties"]["rowCount"]
    room = 10_000_000 - cells - 2 * rows - rows // 2
    # Wide rather than long (fewer rows to describe), and a one-column sheet for the rest.
    for sheet_id, (row_count, column_count) in enumerate([(room // 18_000, 18_000), (room % 18_000, 1)], start=4242):
        resource["sheets"].append({"properties": {"sheetId": sheet_id, "title": f"Relleno {sheet_id}",
                                                  "gridProperties": {"rowCount": row_count, "columnCount": column_count}}})
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "CELL_LIMIT", "over Google's limit of 10,000,000",
                  "delete unused empty rows or columns", bridge_words=("over Google's limit of 10000000",))


def test_a_sheet_at_the_column_limit(cli: Cli, live: Live, observe: Fingerprint, new_sheet: Callable[..., str]) -> None:
    """18,278 columns (ZZZ), the most a sheet may have: adding columns is refused before anything happens,
    not by Google half-way through the run (after a backup)."""
    resource = workbook()
    operaciones(resource)["properties"]["gridProperties"]["columnCount"] = 18_278
    sid = new_sheet(resource)
    apply_refused(cli, live, observe, sid, "CELL_LIMIT", "18,278 columns", "delete unused empty columns",
                  bridge_words=("limit of 18278 columns",))
