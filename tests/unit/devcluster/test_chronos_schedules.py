"""Chronos schedule arithmetic: Joda periods, repeating intervals, time zones, cron."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from paasta_tools.devcluster.chronos.schedules import (
    FOREVER,
    IsoSchedule,
    Period,
    add_period,
    can_parse,
    format_period,
    format_start,
    is_cron,
    next_cron,
    parse_iso_schedule,
    parse_period,
    periods_to_skip,
)

NOW = datetime(2017, 3, 15, 10, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("PT1M", Period(minutes=1)),
        ("PT60S", Period(seconds=60)),
        ("P1D", Period(days=1)),
        ("P1Y2M3DT4H5M6S", Period(years=1, months=2, days=3, hours=4, minutes=5, seconds=6)),
        ("P2W", Period(weeks=2)),
        ("PT1.500S", Period(seconds=1, millis=500)),
    ],
)
def test_periods_parse_and_print_as_written(text: str, period: Period) -> None:
    assert parse_period(text) == period
    assert format_period(period) == text


@pytest.mark.parametrize("text", ["", "P", "PT", "1D", "P1H", "PT1D", "P1DT", "PTxS"])
def test_bad_periods_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_zero_period_prints_pt0s_and_millis_print_three_digits() -> None:
    assert format_period(Period()) == "PT0S"
    assert format_period(parse_period("PT1.5S")) == "PT1.500S"


def test_days_keep_the_wall_clock_across_dst_but_hours_are_elapsed_time() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    before_dst = datetime(2017, 3, 11, 9, 0, tzinfo=zone)
    assert add_period(before_dst, Period(days=1)) == datetime(2017, 3, 12, 9, 0, tzinfo=zone)
    assert add_period(before_dst, Period(days=1)).utcoffset() == timedelta(hours=-7)
    assert add_period(before_dst, Period(hours=24)) == datetime(2017, 3, 12, 10, 0, tzinfo=zone)


def test_months_clamp_to_the_end_of_the_month() -> None:
    start = datetime(2017, 1, 31, tzinfo=UTC)
    assert add_period(start, Period(months=1)) == datetime(2017, 2, 28, tzinfo=UTC)
    assert add_period(start, Period(months=1), 2) == datetime(2017, 3, 31, tzinfo=UTC)


def test_schedule_time_zone_retains_the_wall_clock_fields() -> None:
    schedule = parse_iso_schedule("R/2017-03-15T09:00:00Z/P1D", "America/New_York", NOW)
    assert schedule.start == datetime(2017, 3, 15, 13, 0, tzinfo=UTC)
    assert schedule.format() == "R/2017-03-15T09:00:00.000-04:00/P1D"


def test_unknown_time_zone_means_gmt() -> None:
    schedule = parse_iso_schedule("R/2017-03-15T09:00:00+02:00/P1D", "Not/AZone", NOW)
    assert schedule.start == datetime(2017, 3, 15, 9, 0, tzinfo=UTC)


def test_start_without_offset_is_utc_and_formats_with_z() -> None:
    schedule = parse_iso_schedule("R5/2017-03-15T09:00:00/PT15M", "", NOW)
    assert schedule == IsoSchedule(5, datetime(2017, 3, 15, 9, 0, tzinfo=UTC), Period(minutes=15))
    assert schedule.format() == "R5/2017-03-15T09:00:00.000Z/PT15M"


def test_empty_start_means_a_second_ago() -> None:
    schedule = parse_iso_schedule("R1//PT24H", "", NOW)
    assert schedule.start == NOW - timedelta(seconds=1)
    assert schedule.repeat == 1


def test_advancing_moves_the_start_and_counts_down_finite_repeats() -> None:
    finite = parse_iso_schedule("R2/2017-03-15T09:00:00Z/PT1M", "", NOW)
    assert finite.advanced().format() == "R1/2017-03-15T09:01:00.000Z/PT1M"
    assert finite.advanced(5).repeat == 0
    forever = parse_iso_schedule("R/2017-03-15T09:00:00Z/PT1M", "", NOW)
    assert forever.advanced(3).format() == "R/2017-03-15T09:03:00.000Z/PT1M"
    assert forever.repeat == FOREVER


@pytest.mark.parametrize(
    "text",
    ["R/2017-03-15T09:00:00Z", "X/2017-03-15T09:00:00Z/PT1M", "R/not a date/PT1M", "R/2017-03-15T09:00:00Z/PT0S", ""],
)
def test_unparseable_schedules(text: str) -> None:
    assert not can_parse(text, "", NOW)


def test_cron_schedules_are_accepted_and_evaluated_in_the_job_zone() -> None:
    assert is_cron("30 2 * * *")
    assert not is_cron("R/2017-03-15T09:00:00Z/PT1M")
    assert can_parse("*/5 * * * *", "", NOW)
    upcoming = next_cron("30 2 * * *", NOW, "America/Los_Angeles")
    assert upcoming == datetime(2017, 3, 16, 2, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert next_cron("*/5 * * * *", NOW, "") == datetime(2017, 3, 15, 10, 25, tzinfo=UTC)


def test_periods_to_skip_passes_the_cutoff() -> None:
    start = datetime(2017, 3, 15, 9, 0, tzinfo=UTC)
    assert periods_to_skip(start, Period(minutes=1), start - timedelta(seconds=1)) == 0
    assert periods_to_skip(start, Period(minutes=1), start) == 1
    assert periods_to_skip(start, Period(minutes=1), start + timedelta(minutes=10, seconds=1)) == 11
    monthly = periods_to_skip(datetime(1990, 1, 31, tzinfo=UTC), Period(months=1), NOW)
    assert add_period(datetime(1990, 1, 31, tzinfo=UTC), Period(months=1), monthly) > NOW
    assert add_period(datetime(1990, 1, 31, tzinfo=UTC), Period(months=1), monthly - 1) <= NOW


def test_format_start_uses_milliseconds() -> None:
    assert format_start(datetime(2014, 3, 8, 16, 57, 17, 507000, tzinfo=UTC)) == "2014-03-08T16:57:17.507Z"
