"""The log line model, component resolution, filtering, ordering and formatting of ``paasta logs``."""

from __future__ import annotations

import datetime
import json

import pytest

from paasta_tools.clients.log_writer import format_log_line
from paasta_tools.errors import LogsError
from paasta_tools.logs.filtering import LogFilter, filter_lines, parse_duration, parse_time_argument, time_range
from paasta_tools.logs.model import parse_log_line, resolve_components
from paasta_tools.logs.pretty import format_line
from paasta_tools.logs.select import last_lines, lines_by_offset, merge_by_time

UTC = datetime.UTC
NOW = datetime.datetime(2017, 4, 20, 12, 0, 0, tzinfo=UTC)


def _line(message: str, ts: str = "2017-04-20T11:00:00", component: str = "deploy", cluster: str = "c1",
          instance: str = "main", level: str = "event", service: str = "svc"):  # fmt: skip
    raw = format_log_line(level, cluster, service, instance, component, message, timestamp=ts)
    parsed = parse_log_line(raw)
    assert parsed is not None
    return parsed


def test_parse_reads_what_the_writer_wrote() -> None:
    line = _line("Marked abc for deployment", ts="2017-04-20T11:00:00.123456")
    assert line.timestamp == datetime.datetime(2017, 4, 20, 11, 0, 0, 123456, tzinfo=UTC)
    assert (line.component, line.cluster, line.instance, line.level, line.service) == (
        "deploy", "c1", "main", "event", "svc",
    )  # fmt: skip
    assert json.loads(line.raw)["message"] == "Marked abc for deployment"


@pytest.mark.parametrize(
    "raw",
    ["not json", "[1, 2]", '{"timestamp": "2017-04-20T11:00:00"}', json.dumps({"timestamp": "yesterday",
     "component": "deploy", "cluster": "c", "instance": "i", "level": "event", "message": "m", "service": "s"})],
)  # fmt: skip
def test_unparseable_lines_are_none(raw: str) -> None:
    assert parse_log_line(raw) is None


def test_components_default_and_app_output_alias() -> None:
    assert resolve_components(None) == {"build", "deploy", "monitoring", "stdout", "stderr"}
    assert resolve_components(["app_output", "marathon"]) == {"stdout", "stderr", "marathon"}


def test_unknown_component_names_the_valid_ones() -> None:
    expected = r"Unknown log component\(s\) for -C/--components: bogus\. Valid components: build"
    with pytest.raises(LogsError, match=expected):
        resolve_components(["deploy", "bogus"])


def test_filter_by_component_cluster_instance_and_service() -> None:
    lines = [
        _line("a"),
        _line("b", component="build"),
        _line("c", cluster="c2"),
        _line("d", cluster="N/A", instance="N/A"),
        _line("e", instance="canary"),
        _line("f", service="other"),
    ]
    log_filter = LogFilter("svc", frozenset({"deploy"}), frozenset({"c1"}), None)
    assert [line.message for line in filter_lines(lines, log_filter)] == ["a", "d", "e"]
    only_main = LogFilter("svc", frozenset({"deploy"}), frozenset({"c1"}), frozenset({"main"}))
    assert [line.message for line in filter_lines(lines, only_main)] == ["a"]


def test_filter_by_time_range_and_level() -> None:
    lines = [
        _line("early", ts="2017-04-20T10:00:00"),
        _line("in", ts="2017-04-20T11:00:00"),
        _line("late", ts="2017-04-20T11:59:59"),
        _line("debug", ts="2017-04-20T11:00:00", level="debug"),
    ]
    start, end = time_range("90m", "2017-04-20T11:30:00", NOW)
    log_filter = LogFilter("svc", frozenset({"deploy"}), start=start, end=end, levels=frozenset({"event"}))
    assert [line.message for line in filter_lines(lines, log_filter)] == ["in"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("5m", 300), ("1d3h", 97200), ("90", 90), ("1h 30m", 5400), ("2 hours", 7200), ("x", None)]
)
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_time_arguments() -> None:
    assert parse_time_argument("30m", "--from", NOW) == NOW - datetime.timedelta(minutes=30)
    assert parse_time_argument("2017-04-20T08:00:00-04:00", "--from", NOW) == NOW
    assert time_range(None, None, NOW) == (NOW - datetime.timedelta(minutes=30), NOW)
    with pytest.raises(LogsError, match="--to argument 'soonish' is not in ISO8601 format"):
        parse_time_argument("soonish", "--to", NOW)
    with pytest.raises(LogsError, match="Start time bigger than end time"):
        time_range("5m", "10m", NOW)


def test_merge_orders_sources_by_time_stably() -> None:
    first = [_line("a1", ts="2017-04-20T11:00:01"), _line("a2", ts="2017-04-20T11:00:03")]
    second = [_line("b1", ts="2017-04-20T11:00:02"), _line("b2", ts="2017-04-20T11:00:02")]
    assert [line.message for line in merge_by_time([first, second])] == ["a1", "b1", "b2", "a2"]


def test_last_lines_and_offsets() -> None:
    lines = [_line(str(n)) for n in range(1, 11)]
    assert [line.message for line in last_lines(lines, 3)] == ["8", "9", "10"]
    assert [line.message for line in last_lines(lines, -2)] == ["9", "10"]
    assert [line.message for line in lines_by_offset(lines, 3, 1)] == ["1", "2", "3"]
    assert [line.message for line in lines_by_offset(lines, -3, 5)] == ["3", "4", "5"]
    assert [line.message for line in lines_by_offset(lines, -3, 50)] == ["8", "9", "10"]
    with pytest.raises(LogsError, match="-o/--line-offset must be 1 or more"):
        lines_by_offset(lines, 3, 0)


def test_pretty_and_raw_lines() -> None:
    line = _line("Marked abc", ts="2017-04-20T11:00:00")
    levels = ("event", "debug")
    assert format_line(line, levels, tz=UTC) == "2017-04-20 11:00:00 [deploy] [c1] [main] - [event] Marked abc"
    assert format_line(line, ("event",), tz=UTC) == "2017-04-20 11:00:00 [deploy] [c1] [main] - Marked abc"
    colored = format_line(line, levels, color=True, tz=UTC)
    assert colored == ("2017-04-20 11:00:00 \033[36m[deploy]\033[0m [c1] [main] - \033[1m[event] \033[0mMarked abc")
    debug = format_line(_line("x", level="debug", component="stdout"), levels, color=True, tz=UTC)
    assert "\033[33m[stdout]\033[0m" in debug and "\033[1m\033[30m[debug] \033[0m" in debug
    assert format_line(line, levels, raw=True) == line.raw
