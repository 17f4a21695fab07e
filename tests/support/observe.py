"""Observing a spreadsheet through the Sheets API, for "ends the same" and "changed once" assertions."""

from __future__ import annotations

import json
import re
from typing import Any

from orchestrator.contract.sheets import HISTORY_SHEET
from tests.support.live import Live

ARCHIVE_TITLE = re.compile(r"^(_zeues_archive_[^_]+)_\d{8}T\d{6}Z$")


def history(live: Live, sid: str) -> list[dict[str, str]]:
    if HISTORY_SHEET not in live.sheet_titles(sid):
        return []
    rows = live.values(sid, f"'{HISTORY_SHEET}'!A1:J", "FORMATTED_VALUE")
    header, data = rows[0], rows[1:]
    return [dict(zip(header, [str(c) for c in r] + [""] * (len(header) - len(r)))) for r in data]


def observe(live: Live, sid: str) -> dict[str, Any]:
    """What a run must leave the same however often it was interrupted: every sheet's cells (formulas as
    formulas), the zeues developer metadata (keys, values, places) and the history (without times and ids).
    Archive sheet titles lose their time stamp."""
    full = live.sheets.spreadsheets().get(
        spreadsheetId=sid, fields="developerMetadata,sheets(properties(title,hidden,gridProperties))").execute()
    sheets = {}
    for s in full["sheets"]:
        props = s["properties"]
        title = props["title"]
        sheets[ARCHIVE_TITLE.sub(r"\1", title)] = {
            "hidden": props.get("hidden", False), "grid": props["gridProperties"],
            "cells": live.values(sid, f"'{title}'", "FORMULA") if title != HISTORY_SHEET else None}
    metadata = sorted(
        (json.dumps(md.get("location"), sort_keys=True), md["metadataKey"], md.get("metadataValue"))
        for key in ("zeues.column", "zeues.migration", "zeues.schema_version", "zeues.event_types", "zeues.hold")
        for md in live.metadata(sid, key))
    rows = [(h["migration_id"], h["checksum"], h["action"], h["status"]) for h in history(live, sid)]
    return {"sheets": sheets, "metadata": metadata, "history": rows}
