"""Assertions shared by the bridge tests."""

from __future__ import annotations

import json
from typing import Any

from tests.support.live import Live, op_id

V30_COLUMNS = ["Ocupado_Por", "Fecha_Ocupacion", "version"]
HISTORY = "_zeues_migrations"


def trimmed(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def region(table: list[list[Any]], width: int) -> list[list[Any]]:
    """The first `width` columns of every row, as the values API would return that range."""
    rows = [trimmed(r[:width]) for r in table]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def expected_headers(live: Live, sid: str) -> dict[str, list[str]]:
    return {"Operaciones": live.header(sid, "Operaciones"), "Metadata": live.header(sid, "Metadata")}


def apply(live: Live, sid: str, migration: dict[str, Any], **extra: Any) -> Any:
    request = {"opId": op_id(), "spreadsheetId": sid, "migration": migration,
               "expectedHeaders": expected_headers(live, sid), **extra}
    return live.run("applyMigration", request)


def history(live: Live, sid: str) -> list[dict[str, str]]:
    rows = live.values(sid, f"'{HISTORY}'!A1:J")
    header, data = rows[0], rows[1:]
    return [dict(zip(header, [str(c) for c in r] + [""] * (len(header) - len(r)))) for r in data]


def without(snapshot: dict[str, Any], *titles: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(snapshot))
    copy["sheets"] = [s for s in copy["sheets"] if s["properties"]["title"] not in titles]
    return copy  # type: ignore[no-any-return]
