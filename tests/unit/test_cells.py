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


def test_an_aware_datetime_becomes_the_serial_of_its_santiago_wall_time() -> None:
    utc = datetime(2026, 1, 28, 19, 56, 25, tzinfo=timezone.utc)  # 16:56:25 in Santiago (UTC-3 in summer)
    assert datetime_to_serial(utc) == datetime_to_serial(datetime(2026, 1, 28, 16, 56, 25))
    assert datetime_to_serial(utc) == pytest.approx(46050 + (16 * 3600 + 56 * 60 + 25) / 86400)


def test_a_date_time_without_seconds_is_at_second_zero() -> None:
    assert parse_local_datetime("28-01-2026 16:56") == datetime(2026, 1, 28, 16, 56, 0, tzinfo=SHEET_TIMEZONE)


def test_format_local_datetime_shows_an_aware_value_in_santiago_and_a_naive_one_as_is() -> None:
    assert format_local_datetime(datetime(2026, 1, 28, 19, 56, 25, tzinfo=timezone.utc)) == "28-01-2026 16:56:25"
    assert format_local_datetime(datetime(2026, 1, 28, 19, 56, 25)) == "28-01-2026 19:56:25"


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-01-28T19:56:25Z", datetime(2026, 1, 28, 19, 56, 25, tzinfo=timezone.utc)),
    ("2026-01-28T19:56:25.5Z", datetime(2026, 1, 28, 19, 56, 25, 500000, tzinfo=timezone.utc)),
])
def test_an_iso_timestamp_is_utc_to_the_last_digit(value: str, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


def test_a_local_timestamp_with_a_t_but_no_z_is_santiago_time() -> None:
    assert parse_timestamp("28-01-2026T16:56:25") == datetime(2026, 1, 28, 16, 56, 25, tzinfo=SHEET_TIMEZONE)


@pytest.mark.parametrize("value", ["2026-01-28 19:56:25Z", "Z"])
def test_a_timestamp_that_is_neither_form_is_refused(value: str) -> None:
    with pytest.raises(CellParseError):
        parse_timestamp(value)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: parse_int("x1"), "not an integer: 'x1'"),
    (lambda: parse_int(1.5, what="version"), "not an version: 1.5"),
    (lambda: parse_local_datetime(True), "not a date-time: True"),
    (lambda: parse_local_datetime("28-01-2026"), "not a DD-MM-YYYY HH:MM:SS date-time: '28-01-2026'"),
    (lambda: parse_local_datetime("31-02-2026 10:00:00"), "not a valid date-time: '31-02-2026 10:00:00'"),
    (lambda: parse_timestamp(""), "timestamp is empty"),
    (lambda: parse_timestamp("2026-13-28T19:56:25Z"), "not an ISO timestamp: '2026-13-28T19:56:25Z'"),
])
def test_a_refused_cell_says_what_it_holds(call: object, message: str) -> None:
    with pytest.raises(CellParseError) as info:
        call()  # type: ignore[operator]
    assert str(info.value).startswith(message)
