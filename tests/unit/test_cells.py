from datetime import date, datetime, timezone

import pytest

from orchestrator.domain.cells import (
    SHEET_TIMEZONE,
    CellParseError,
    datetime_to_serial,
    format_local_datetime,
    parse_date,
    parse_int,
    parse_local_datetime,
    parse_text,
    parse_timestamp,
    parse_worker,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (46050, date(2026, 1, 28)),  # a real date cell read UNFORMATTED_VALUE
        (46050.0, date(2026, 1, 28)),
        (46050.75, date(2026, 1, 28)),  # with a time fraction
        ("46050", date(2026, 1, 28)),  # a serial that was stringified
        ("28-01-2026", date(2026, 1, 28)),  # DD-MM-YYYY, and the FORMATTED_VALUE of a date cell
        ("30/7/2025", date(2025, 7, 30)),
        ("08/11/2025", date(2025, 11, 8)),
        ("2025-11-08", date(2025, 11, 8)),
        ("08-Nov-2025", date(2025, 11, 8)),
        ("08-nov-2025", date(2025, 11, 8)),
        ("15-Ago-2025", date(2025, 8, 15)),  # Spanish abbreviation
        ("28-01-2026 16:56:25", date(2026, 1, 28)),
        (" 28-01-2026 ", date(2026, 1, 28)),
        ("", None),
        (None, None),
    ],
)
def test_every_date_form_in_production(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["31-02-2025", "tomorrow", "2025/13/01", "08-Xyz-2025", True])
def test_a_non_date_is_an_error_quoting_it(value: object) -> None:
    with pytest.raises(CellParseError, match="date"):
        parse_date(value)  # type: ignore[arg-type]


def test_serial_round_trip() -> None:
    assert datetime_to_serial(date(2026, 1, 28)) == 46050
    moment = datetime(2026, 1, 28, 16, 56, 25)
    assert parse_local_datetime(datetime_to_serial(moment)) == moment.replace(tzinfo=SHEET_TIMEZONE)


def test_both_metadata_timestamp_formats() -> None:
    older = parse_timestamp("2026-01-28T16:56:25.026880Z")
    assert older == datetime(2026, 1, 28, 16, 56, 25, 26880, tzinfo=timezone.utc)
    newer = parse_timestamp("28-01-2026 13:56:25")
    assert newer.tzinfo is SHEET_TIMEZONE
    # 28 Jan is summer time in Chile (UTC-3): both rows name the same instant.
    assert newer == older.replace(microsecond=0)
    with pytest.raises(CellParseError):
        parse_timestamp("")
    with pytest.raises(CellParseError):
        parse_timestamp("2026-01-28T99:00:00Z")


def test_local_datetime_format_round_trip() -> None:
    text = "28-01-2026 16:56:25"
    parsed = parse_local_datetime(text)
    assert parsed is not None and format_local_datetime(parsed) == text


def test_workers_by_initials_and_by_full_name() -> None:
    mr = parse_worker("MR(93)")
    assert mr is not None and (mr.initials, mr.worker_id, mr.full_name) == ("MR", 93, None)
    assert parse_worker(" JP ( 7 ) ") is not None
    old = parse_worker("Mauricio  Rodriguez")
    assert old is not None and (old.initials, old.worker_id, old.full_name) == (None, None, "Mauricio Rodriguez")
    assert parse_worker("") is None


def test_ints_and_text() -> None:
    assert parse_int(0) == 0 and parse_int(3.0) == 3 and parse_int("7") == 7 and parse_int("") is None
    with pytest.raises(CellParseError, match="not an integer"):
        parse_int("3c60609c-1b2a-4c1f-9f0e-8d7c6b5a4f3e")  # what other code once wrote into `version`
    with pytest.raises(CellParseError):
        parse_int(2.5)
    assert parse_text(1335.0) == "1335" and parse_text(" x ") == "x" and parse_text("  ") is None
