"""Schedule validation (ISO 8601 and cron, time zones) and run-time math across DST changes."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.chronos.schedule import (
    ScheduleType,
    check_job_kind,
    check_parents,
    check_schedule,
    check_time_zone,
    get_schedule_interval_in_seconds,
    get_schedule_type,
    next_run_time,
    parse_iso_schedule,
)
from paasta_tools.errors import InvalidChronosConfigError

UTC = datetime.UTC


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "time_zone"),
    [
        ("R/2014-09-25T00:00:00Z/PT24H", None),
        ("R5/2014-09-25T00:00:00Z/PT1M", None),
        ("R/2014-09-25T00:00:00.000Z/P1D", "America/Los_Angeles"),
        ("R/2014-09-25T03:00:00/P1M", "Europe/London"),
        ("R/2014-09-25T03:00:00+02:00/P1Y2M3DT4H5M6S", None),
        ("R1/2016-03-13T02:30:00/P1W", "America/New_York"),
        ("0 3 * * *", "America/New_York"),
        ("*/15 9-17 * * 1-5", "Australia/Sydney"),
        ("30 2 * * *", "US/Pacific"),
        ("@daily", None),
    ],
)
def test_valid_schedules(schedule: str, time_zone: str | None) -> None:
    assert check_schedule(schedule, time_zone) == []


@pytest.mark.parametrize(
    ("schedule", "time_zone", "expected"),
    [
        ("R/2014-09-25T00:00:00Z/PT30S", None, "at least 60 seconds: use a period of PT1M or more"),
        ("R/2014-09-25T00:00:00Z/PT0S", None, "use a period of PT1M or more"),
        ("R//PT1H", None, "write a start such as 'R/2014-09-25T00:00:00Z/PT1H'"),
        ("R/2014-09-25/P1D", None, "start '2014-09-25' is not an ISO 8601 date-time; write it like"),
        ("R/2014-09-25T00:00:00Z/P1.5D", None, "period 'P1.5D' is not an ISO 8601 duration; write e.g."),
        ("R/2014-09-25T00:00:00Z/1D", None, "period '1D' is not an ISO 8601 duration"),
        ("X/2014-09-25T00:00:00Z/P1D", None, "must be 'R' (forever) or 'R<n>'"),
        ("every day", None, "neither a valid cron schedule nor a valid ISO 8601 schedule"),
        ("61 * * * *", None, "'61 * * * *' is not a valid cron schedule"),
        ("0 25 */2 * *", None, "'0 25 */2 * *' is not a valid cron schedule"),
        ("R/2014-09-25T00:00:00Z/PT1H extra", None, "period 'PT1H extra' is not an ISO 8601 duration"),
        ("0 0 * * * 2020", None, "has 6 fields; cron schedules have exactly 5"),
        ("@reboot", None, "neither a valid cron schedule"),
        ("", None, "is empty"),
        ("0 3 * * *", "Amerika/New_York", "did you mean 'America/New_York'?"),
        ("0 3 * * *", "Mars/Base", "use a name such as 'America/Los_Angeles' or 'UTC'"),
    ],
)
def test_invalid_schedules_say_what_to_write(schedule: str, time_zone: str | None, expected: str) -> None:
    messages = check_schedule(schedule, time_zone)
    assert len(messages) == 1
    assert expected in messages[0]


def test_exactly_one_minute_is_allowed_and_month_periods_are_not_measured() -> None:
    assert check_schedule("R/2014-09-25T00:00:00Z/PT60S", None) == []
    assert check_schedule("R/2014-09-25T00:00:00Z/P1M", None) == []


def test_bad_time_zone_and_bad_schedule_are_both_reported() -> None:
    assert len(check_schedule("R//PT1S", "Nowhere")) == 3


def test_time_zone_check() -> None:
    assert check_time_zone("UTC") is None
    assert check_time_zone("Europe/Berlin") is None
    assert "'../etc/passwd'" in check_time_zone("../etc/passwd")


def test_schedule_type() -> None:
    assert get_schedule_type("0 3 * * *") is ScheduleType.CRON
    assert get_schedule_type("R/2014-09-25T00:00:00Z/PT1H") is ScheduleType.ISO8601
    assert get_schedule_type("nonsense") is None
    assert get_schedule_type(None) is None


def test_parse_iso_schedule() -> None:
    parsed = parse_iso_schedule("R3/2014-09-25T01:02:03Z/P1DT2H")
    assert parsed.repeat == 3
    assert parsed.start == at(2014, 9, 25, 1, 2, 3)
    assert parsed.period.days == 1 and parsed.period.elapsed == datetime.timedelta(hours=2)
    assert parse_iso_schedule("R/2014-09-25T01:02:03Z/PT1H").repeat is None
    with pytest.raises(InvalidChronosConfigError, match="schedule 'R/x/PT1H': start 'x'"):
        parse_iso_schedule("R/x/PT1H")


def test_job_kind_and_parents() -> None:
    assert check_job_kind("0 3 * * *", None) is None
    assert check_job_kind(None, ["a.b"]) is None
    assert "not both" in check_job_kind("0 3 * * *", ["a.b"])
    assert "needs a 'schedule'" in check_job_kind(None, [])
    assert check_parents(["svc.job", "other.job"]) == []
    assert check_parents("svc.job") == []
    assert check_parents(["svc job", "a.b.c", ".x"]) == [
        "parent 'svc job' must be written 'service.instance', e.g. 'myservice.nightly'",
        "parent 'a.b.c' must be written 'service.instance', e.g. 'myservice.nightly'",
        "parent '.x' must be written 'service.instance', e.g. 'myservice.nightly'",
    ]
    assert "is the job itself" in check_parents(["svc.job"], own_name="svc.job")[0]


class TestNextRunTime:
    def test_iso_daily_in_utc(self) -> None:
        assert next_run_time("R/2014-09-25T00:00:00Z/PT24H", None, at(2026, 3, 8, 12)) == at(2026, 3, 9)

    def test_at_or_after(self) -> None:
        assert next_run_time("R/2014-09-25T00:00:00Z/PT1H", None, at(2026, 3, 8, 12)) == at(2026, 3, 8, 12)

    def test_future_start_is_the_first_run(self) -> None:
        assert next_run_time("R/2030-01-01T00:00:00Z/PT1H", None, at(2026, 3, 8)) == at(2030, 1, 1)

    def test_empty_start_runs_now(self) -> None:
        assert next_run_time("R1//PT1M", None, at(2026, 3, 8, 12)) == at(2026, 3, 8, 12)

    def test_repeat_count_runs_out(self) -> None:
        schedule = "R3/2026-01-01T00:00:00Z/PT1H"
        assert next_run_time(schedule, None, at(2026, 1, 1, 1, 30)) == at(2026, 1, 1, 2)
        assert next_run_time(schedule, None, at(2026, 1, 1, 2, 30)) is None
        assert next_run_time("R0/2026-01-01T00:00:00Z/PT1H", None, at(2025, 1, 1)) is None

    def test_daily_period_keeps_wall_clock_across_spring_forward(self) -> None:
        schedule = "R/2014-09-25T09:00:00Z/P1D"
        before = next_run_time(schedule, "America/New_York", at(2026, 3, 6, 15))
        after = next_run_time(schedule, "America/New_York", at(2026, 3, 7, 15))
        assert before == at(2026, 3, 7, 14)  # 09:00 EST
        assert after == at(2026, 3, 8, 13)  # 09:00 EDT, clocks went forward at 02:00
        assert after.hour == before.hour == 9

    def test_hour_periods_elapse_across_dst(self) -> None:
        schedule = "R/2026-03-08T00:00:00/PT24H"
        assert next_run_time(schedule, "America/New_York", at(2026, 3, 8, 6)) == at(2026, 3, 9, 5)

    def test_daily_run_in_the_gap_moves_forward_without_dragging_later_runs(self) -> None:
        schedule = "R/2014-09-25T02:30:00/P1D"
        gap_day = next_run_time(schedule, "America/New_York", at(2026, 3, 7, 12))
        assert gap_day.isoformat() == "2026-03-08T03:30:00-04:00"
        assert next_run_time(schedule, "America/New_York", at(2026, 3, 8, 12)).isoformat() == (
            "2026-03-09T02:30:00-04:00"
        )

    def test_monthly_period_clamps_and_sticks_like_chronos(self) -> None:
        schedule = "R/2014-01-31T00:00:00Z/P1M"
        assert next_run_time(schedule, None, at(2014, 2, 1)) == at(2014, 2, 28)
        assert next_run_time(schedule, None, at(2014, 3, 1)) == at(2014, 3, 28)

    def test_cron_in_zone(self) -> None:
        assert next_run_time("0 3 * * *", "Europe/Berlin", at(2026, 7, 1, 2)).isoformat() == (
            "2026-07-02T03:00:00+02:00"
        )
        assert next_run_time("0 3 * * *", None, at(2026, 7, 1, 2)) == at(2026, 7, 1, 3)

    def test_cron_in_spring_forward_gap_runs_when_the_gap_ends(self) -> None:
        found = next_run_time("30 2 * * *", "America/New_York", at(2026, 3, 8))
        assert found.isoformat() == "2026-03-08T03:00:00-04:00"

    def test_cron_times_stay_in_order_around_the_gap(self) -> None:
        times = []
        moment = at(2026, 3, 8, 6, 0)
        for _ in range(4):
            moment = next_run_time("*/30 * * * *", "America/New_York", moment + datetime.timedelta(seconds=1))
            times.append(moment.isoformat())
        assert times == [
            "2026-03-08T01:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:30:00-04:00",
            "2026-03-08T04:00:00-04:00",
        ]

    def test_cron_repeated_hour_runs_once(self) -> None:
        first = next_run_time("30 1 * * *", "America/New_York", at(2026, 11, 1, 5))
        assert first.isoformat() == "2026-11-01T01:30:00-04:00"
        second = next_run_time("30 1 * * *", "America/New_York", first + datetime.timedelta(seconds=1))
        assert second.isoformat() == "2026-11-02T01:30:00-05:00"

    def test_invalid_input_gives_none(self) -> None:
        assert next_run_time("nonsense", None, at(2026, 1, 1)) is None
        assert next_run_time("0 3 * * *", "Nowhere/Land", at(2026, 1, 1)) is None


class TestInterval:
    def test_iso(self) -> None:
        assert get_schedule_interval_in_seconds("R/2014-09-25T00:00:00Z/PT1H", None, at(2026, 1, 1)) == 3600
        assert get_schedule_interval_in_seconds("R/2014-09-25T00:00:00Z/P1M", None, at(2026, 2, 1)) == 28 * 86400

    def test_iso_day_is_23_hours_on_spring_forward(self) -> None:
        schedule = "R/2014-09-25T00:00:00Z/P1D"
        interval = get_schedule_interval_in_seconds(schedule, "America/New_York", at(2026, 3, 7, 12))
        assert interval == 23 * 3600

    def test_cron(self) -> None:
        assert get_schedule_interval_in_seconds("*/5 * * * *", None, at(2026, 1, 1, 0, 2)) == 300
        assert get_schedule_interval_in_seconds("0 9,17 * * *", None, at(2026, 1, 1, 12)) == 8 * 3600
        assert get_schedule_interval_in_seconds("@hourly", None, at(2026, 1, 1, 12, 1)) == 3600

    def test_cron_across_fall_back_counts_25_hours(self) -> None:
        interval = get_schedule_interval_in_seconds("0 12 * * *", "America/New_York", at(2026, 11, 1, 6))
        assert interval == 25 * 3600

    def test_unparseable(self) -> None:
        assert get_schedule_interval_in_seconds(None, None, at(2026, 1, 1)) is None
        assert get_schedule_interval_in_seconds("nonsense", None, at(2026, 1, 1)) is None
        assert get_schedule_interval_in_seconds("0 3 * * *", "Nowhere", at(2026, 1, 1)) is None
