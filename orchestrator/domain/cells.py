"""Parsing the cell values production holds, whatever render option read them.

A date column can hold a real date cell (a serial number when read UNFORMATTED_VALUE, `28-01-2026` when read
FORMATTED_VALUE) or legacy text (`30/7/2025`, `08/11/2025`, `2025-11-08`, `08-Nov-2025`). Reading serials as
strings once broke a string field and caused false 404s (zeues-sheet.md, failure 9), so every form maps to
a `date` here, and anything else is an error that quotes the text instead of a silent guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

SHEET_TIMEZONE = ZoneInfo("America/Santiago")
SERIAL_EPOCH = datetime(1899, 12, 30)  # day 0 of Sheets' serial numbers

CellValue = str | int | float | bool | None

MONTH_ABBREVIATIONS = {
    # Spanish and English abbreviations both occur in legacy text.
    "ene": 1, "jan": 1, "feb": 2, "mar": 3, "abr": 4, "apr": 4, "may": 5, "jun": 6, "jul": 7,
    "ago": 8, "aug": 8, "sep": 9, "sept": 9, "set": 9, "oct": 10, "nov": 11, "dic": 12, "dec": 12,
}
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_D_MON_Y = re.compile(r"^(\d{1,2})[-/ ]([A-Za-z]{3,4})\.?[-/ ](\d{4})$")
_DMY_HMS = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_SERIAL_TEXT = re.compile(r"^\d{5}(\.\d+)?$")  # a serial number that was stringified
_WORKER = re.compile(r"^\s*([A-ZÁÉÍÓÚÑ]{1,4})\s*\(\s*(\d+)\s*\)\s*$")
WORKER_PATTERN = _WORKER.pattern  # `INICIALES(ID)`; the contract's validation rule matches the same


class CellParseError(ValueError):
    """A cell holds a value its column cannot mean."""


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def serial_to_datetime(serial: float) -> datetime:
    """Sheets serial number (days since 1899-12-30, time as the fraction) -> naive local datetime."""
    # Round to the millisecond: serials are binary fractions of a day.
    return SERIAL_EPOCH + timedelta(milliseconds=round(serial * 86_400_000))


def datetime_to_serial(value: datetime | date) -> float:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(SHEET_TIMEZONE).replace(tzinfo=None)
    return (value - SERIAL_EPOCH) / timedelta(days=1)


def parse_date(value: CellValue) -> date | None:
    """A date cell in any form production holds; blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellParseError(f"not a date: {value!r}")
    if isinstance(value, (int, float)):
        return serial_to_datetime(float(value)).date()
    text = str(value).strip()
    try:
        if m := _DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _YMD.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _D_MON_Y.match(text):
            month = MONTH_ABBREVIATIONS.get(m[2].lower())
            if month is not None:
                return date(int(m[3]), month, int(m[1]))
        if m := _DMY_HMS.match(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if _SERIAL_TEXT.match(text):
            return serial_to_datetime(float(text)).date()
    except ValueError as exc:  # e.g. 31-02-2025
        raise CellParseError(f"not a valid date: {text!r} ({exc})") from None
    raise CellParseError(f"not a date: {text!r}")


def parse_local_datetime(value: CellValue) -> datetime | None:
    """`DD-MM-YYYY HH:MM:SS` text or a date-time serial, in America/Santiago; blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellParseError(f"not a date-time: {value!r}")
    if isinstance(value, (int, float)):
        return serial_to_datetime(float(value)).replace(tzinfo=SHEET_TIMEZONE)
    text = str(value).strip()
    m = _DMY_HMS.match(text)
    if m is None:
        raise CellParseError(f"not a DD-MM-YYYY HH:MM:SS date-time: {text!r}")
    try:
        return datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0),
                        tzinfo=SHEET_TIMEZONE)
    except ValueError as exc:
        raise CellParseError(f"not a valid date-time: {text!r} ({exc})") from None


def parse_timestamp(value: CellValue) -> datetime:
    """A Metadata timestamp: ISO UTC with `Z` (older rows) or `DD-MM-YYYY HH:MM:SS` Chile time (newer)."""
    if is_blank(value):
        raise CellParseError("timestamp is empty")
    if isinstance(value, str) and "T" in value and value.strip().endswith("Z"):
        text = value.strip()
        try:
            return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
        except ValueError:
            raise CellParseError(f"not an ISO timestamp: {text!r}") from None
    parsed = parse_local_datetime(value)
    assert parsed is not None
    return parsed


def format_local_datetime(value: datetime) -> str:
    """The `DD-MM-YYYY HH:MM:SS` America/Santiago form the v3.0 backend writes."""
    if value.tzinfo is not None:
        value = value.astimezone(SHEET_TIMEZONE)
    return value.strftime("%d-%m-%Y %H:%M:%S")


def parse_int(value: CellValue, *, what: str = "integer") -> int | None:
    """An integer cell (a number, an integral float, or digits); blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellParseError(f"not an {what}: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellParseError(f"not an {what}: {value!r}")
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    raise CellParseError(f"not an {what}: {text!r}")


def parse_text(value: CellValue) -> str | None:
    """A text cell; numbers keep their integral form (`93`, not `93.0`); blank -> None."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class WorkerRef(BaseModel):
    """A worker as the sheet names one: `MR(93)` today, a full name in older rows."""

    model_config = ConfigDict(frozen=True)

    raw: str
    initials: str | None = None
    worker_id: int | None = None
    full_name: str | None = None


def parse_worker(value: CellValue) -> WorkerRef | None:
    text = parse_text(value)
    if text is None:
        return None
    if m := _WORKER.match(text):
        return WorkerRef(raw=text, initials=m[1], worker_id=int(m[2]))
    return WorkerRef(raw=text, full_name=" ".join(text.split()))
