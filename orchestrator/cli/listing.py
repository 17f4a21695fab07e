"""How the read-only verbs (history, backups, status, doctor) show times, holds and the schema version.

Times are shown in the spreadsheet's own time zone (File → Settings; `LiveState.time_zone`, America/Santiago for
production), labelled with it, because the backups' names and the sheet's own dates are in that zone: a UTC time
beside a Chile-time name reads as a three-hour gap. `--json` keeps the recorded ISO UTC times.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # types only: the engine imports the Google clients, which `--help` does without
    from orchestrator.engine.checkpoint import CheckpointStore
    from orchestrator.engine.state import HistoryRow, LiveState


@dataclass(frozen=True)
class Zone:
    """The zone times are shown in, and its label."""

    tz: tzinfo
    label: str

    @staticmethod
    def of(name: str) -> Zone:
        """The sheet's zone; UTC when the sheet names none or one this machine does not know."""
        try:
            return Zone(ZoneInfo(name), name) if name else Zone(timezone.utc, "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return Zone(timezone.utc, "UTC")

    def time(self, value: str | datetime | None) -> str:
        """`YYYY-MM-DD HH:MM:SS` in this zone; a text that is not an ISO time as it is (a history edited by hand)."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
        else:
            moment = value
        if moment.tzinfo is None:  # the tool records UTC everywhere
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def labelled(self, value: str | datetime | None) -> str:
        """The time followed by the zone's name, for a time shown outside a table with a labelled heading."""
        shown = self.time(value)
        return f"{shown} {self.label}" if shown else "an unknown time"

    @property
    def heading(self) -> str:
        return f"time ({self.label})"


def table(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns under their headings, two spaces apart; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [headings, *rows]) for i in range(len(headings))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(headings), *(line(r) for r in rows)])


def details_object(row: HistoryRow) -> dict[str, Any]:
    """A history row's `details` cell as the object it records (the bridge writes JSON there); a cell edited
    by hand into something else is kept as text under `unreadable`."""
    if not row.details:
        return {}
    try:
        parsed = json.loads(row.details)
    except json.JSONDecodeError:
        return {"unreadable": row.details}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def hold_text(hold: dict[str, Any], zone: Zone) -> str:
    """`by X at T: reason`, or `by X at T (no reason given)`: never a separator left hanging before nothing."""
    reason = str(hold.get("reason") or "").strip()
    said = f": {reason}" if reason else " (no reason given)"
    return f"by {hold.get('by') or 'someone unknown'} at {zone.labelled(hold.get('at'))}{said}"


def schema_version_text(state: LiveState, zone: Zone) -> str:
    """The schema version, and for 2.1 (no `zeues.schema_version` metadata) why it is 2.1: never migrated, or
    the history row that took the sheet back there (a rollback, a repair, a restore)."""
    if state.schema_version:
        return state.schema_version
    for row in reversed(state.history):
        when = zone.labelled(row.finished_at)
        if row.action == "rollback" and row.status == "rolled_back":
            return f"2.1 ({row.migration_id} rolled back on {when})"
        if row.action == "repair" and row.status == "not_applied":
            return f"2.1 ({row.migration_id} recorded as not applied by a repair on {when})"
        if row.action == "restore" and row.status == "restored":
            return f"2.1 (backup {row.backup_id} restored on {when})"
        if row.action in ("apply", "repair") and row.status == "applied":
            # Applied per the history, yet no schema version on the sheet: `status` lists the inconsistency.
            return f"2.1 (no schema version on the sheet, though {row.migration_id} was applied on {when})"
    return "2.1 (never migrated)"


def history_note(row: HistoryRow) -> str:
    """What a text listing shows of a row's details: a hold's reason, a note, a backup's label, an error."""
    details = details_object(row)
    result = details.get("result") if isinstance(details.get("result"), dict) else {}
    assert isinstance(result, dict)
    if row.action == "hold":
        hold = result.get("hold") if isinstance(result.get("hold"), dict) else {}
        assert isinstance(hold, dict)
        reason = str(hold.get("reason") or "").strip()
        return f"reason: {reason}" if reason else "no reason given"
    parts = []
    if details.get("note"):
        parts.append(f"note: {details['note']}")
    if row.action == "backup" and details.get("label"):
        parts.append(str(details["label"]))
    failed = (result.get("error") or details.get("error") or result.get("message")) if row.status == "failed" else None
    if failed:
        parts.append(str(failed))
    if "unreadable" in details:
        parts.append("details unreadable")
    return "; ".join(parts)


def latest_log(store: CheckpointStore, spreadsheet_id: str) -> Path | None:
    """The log of the last run on this spreadsheet from this checkpoint folder (None when there is none)."""
    return store.latest_log(spreadsheet_id)
