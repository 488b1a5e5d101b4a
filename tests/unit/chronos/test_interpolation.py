"""Tron-style time variables: every variable, deltas across month and year ends, escapes and errors."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.chronos.interpolation import check_command, parse_time_variables, uses_time_variables
from paasta_tools.errors import InvalidChronosConfigError

RUN_TIME = datetime.datetime(2017, 3, 15, 10, 20, 30)
AWARE_RUN_TIME = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        # The examples observed on upstream 0.65.38.
        ("%(hour+20)s", "06"),
        ("%(day-15)s", "28"),
        ("%(month+10)s", "01"),
        ("%(month-3)s", "12"),
        ("%(daynumber)s", "736403"),
        ("%%", "%"),
        # Every variable without a delta.
        ("%(shortdate)s", "2017-03-15"),
        ("%(year)s", "2017"),
        ("%(month)s", "03"),
        ("%(day)s", "15"),
        ("%(hour)s", "10"),
        # Deltas in each variable's unit.
        ("%(shortdate-14)s", "2017-03-01"),
        ("%(shortdate-15)s", "2017-02-28"),
        ("%(shortdate+17)s", "2017-04-01"),
        ("%(shortdate+292)s", "2018-01-01"),
        ("%(year+1)s", "2018"),
        ("%(year-17)s", "2000"),
        ("%(month+9)s", "12"),
        ("%(month-2)s", "01"),
        ("%(month-15)s", "12"),
        ("%(day+17)s", "01"),
        ("%(hour-11)s", "23"),
        ("%(daynumber-1)s", "736402"),
        ("%(daynumber+365)s", "736768"),
        # Formatting, mixing and escaping.
        ("run --date=%(shortdate-1)s --at %(hour)sh 100%%", "run --date=2017-03-14 --at 10h 100%"),
        ("%(daynumber)d", "736403"),
        ("%(day+1x)s", "16"),  # tron matched a prefix: "day+1" then ignored the rest
        ("echo hello", "echo hello"),
        ("", ""),
    ],
)
def test_interpolation_table(cmd: str, expected: str) -> None:
    assert parse_time_variables(cmd, RUN_TIME) == expected


def test_unixtime_of_an_aware_run_time_and_its_delta() -> None:
    assert parse_time_variables("%(unixtime)s", AWARE_RUN_TIME) == "1489573230"
    assert parse_time_variables("%(unixtime+3600)s %(unixtime-30)s", AWARE_RUN_TIME) == "1489576830 1489573200"


def test_unixtime_of_a_naive_run_time_is_local_time() -> None:
    expected = int(RUN_TIME.timestamp())
    assert parse_time_variables("%(unixtime)s", RUN_TIME) == str(expected)


@pytest.mark.parametrize(
    ("run_time", "cmd", "expected"),
    [
        (datetime.datetime(2016, 12, 31, 23, 0), "%(hour+1)s %(day+1)s %(month+1)s %(year+1)s", "00 01 01 2017"),
        (datetime.datetime(2016, 12, 31, 23, 0), "%(shortdate+1)s", "2017-01-01"),
        (datetime.datetime(2017, 1, 1, 0, 30), "%(hour-1)s %(shortdate-1)s %(month-1)s", "23 2016-12-31 12"),
        (datetime.datetime(2016, 2, 29, 12), "%(shortdate+1)s %(day+1)s", "2016-03-01 01"),
        (datetime.datetime(2017, 3, 1, 0, 0), "%(shortdate-1)s", "2017-02-28"),
        (datetime.datetime(2017, 11, 15), "%(month+2)s %(month+14)s", "01 01"),
    ],
)
def test_deltas_across_month_and_year_ends(run_time: datetime.datetime, cmd: str, expected: str) -> None:
    assert parse_time_variables(cmd, run_time) == expected


def test_month_arithmetic_onto_a_missing_day_is_an_error_naming_the_variable() -> None:
    with pytest.raises(InvalidChronosConfigError, match=r"'month-1'.*day 31 does not exist in 2017-02"):
        parse_time_variables("run %(month-1)s", datetime.datetime(2017, 3, 31))


def test_unknown_variable_names_variable_and_command() -> None:
    with pytest.raises(InvalidChronosConfigError) as excinfo:
        parse_time_variables("run %(hourly)s", RUN_TIME)
    message = str(excinfo.value)
    assert "'hourly'" in message
    assert "'run %(hourly)s'" in message
    assert "shortdate" in message


@pytest.mark.parametrize("cmd", ["echo 50%", "echo %s", "date +%Y", "%(day)", "%(day)*d"])
def test_stray_percent_is_unparseable_with_a_hint(cmd: str) -> None:
    with pytest.raises(InvalidChronosConfigError, match=r"Hint: do you need to escape % chars\?"):
        parse_time_variables(cmd, RUN_TIME)


def test_numeric_format_of_a_text_value_says_what_to_write() -> None:
    with pytest.raises(InvalidChronosConfigError, match=r"Use '%\(year\)s'"):
        parse_time_variables("%(year)d", RUN_TIME)


def test_check_command() -> None:
    assert check_command("run --date %(shortdate-1)s 100%%") is None
    assert check_command("date +%Y") == (
        "Unparseable command 'date +%Y': stray '%' at position 6. Hint: do you need to escape % chars? "
        "Write '%%' for a literal '%'."
    )
    assert "unknown time variable 'nope'" in check_command("%(nope)s")


def test_uses_time_variables() -> None:
    assert uses_time_variables("run %(shortdate)s")
    assert uses_time_variables("%(unixtime+5)d")
    assert not uses_time_variables("echo 100%%")
    assert not uses_time_variables("echo hello")
