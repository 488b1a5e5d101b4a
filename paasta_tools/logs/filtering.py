"""Which log lines to show: the service, components, clusters, instances, levels and a time range.

Time arguments (``--from``/``--to``) are a duration before ``now`` (``30m``, ``1d3h``, ``90``
seconds, ``2 hours``) or an ISO 8601 timestamp (UTC unless it names an offset).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from paasta_tools.errors import LogsError
from paasta_tools.logs.model import ANY_CLUSTER, LOG_LEVELS, LogLine, parse_timestamp

DEFAULT_FROM = "30m"
_UNIT_SECONDS = {
    "w": 604800, "week": 604800, "weeks": 604800,
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}  # fmt: skip
_PART_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*,?")


@dataclass(frozen=True)
class LogFilter:
    """A line passes when every given criterion holds; None means "any"."""

    service: str
    components: frozenset[str]
    clusters: frozenset[str] | None = None
    instances: frozenset[str] | None = None
    levels: frozenset[str] = frozenset(LOG_LEVELS)
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None

    def passes(self, line: LogLine) -> bool:
        """Upstream's rule: lines logged for no particular cluster (``N/A``) pass any cluster filter."""
        if line.service != self.service or line.component not in self.components or line.level not in self.levels:
            return False
        if self.clusters is not None and line.cluster not in self.clusters and line.cluster != ANY_CLUSTER:
            return False
        if self.instances is not None and line.instance not in self.instances:
            return False
        return self.in_time_range(line.timestamp)

    def in_time_range(self, timestamp: datetime.datetime) -> bool:
        if self.start is not None and timestamp < self.start:
            return False
        return self.end is None or timestamp <= self.end


def filter_lines(lines: Iterable[LogLine], log_filter: LogFilter) -> list[LogLine]:
    """The lines that pass ``log_filter``, in their order."""
    return [line for line in lines if log_filter.passes(line)]


def parse_duration(text: str) -> float | None:
    """Seconds in a duration like ``5m``, ``1d3h``, ``1h 30m``, ``90`` or ``2 hours``; None if it is not one."""
    text = text.strip().lower()
    if not text:
        return None
    total, position = 0.0, 0
    while position < len(text):
        match = _PART_RE.match(text, position)
        if not match or match.end() == position:
            return None
        number, unit = match.groups()
        if unit not in _UNIT_SECONDS and unit != "":
            return None
        total += float(number) * _UNIT_SECONDS.get(unit, 1)
        position = match.end()
    return total


def parse_time_argument(text: str, flag: str, now: datetime.datetime) -> datetime.datetime:
    """``text`` of ``flag`` as an aware UTC datetime: ``now`` minus a duration, or an ISO 8601 timestamp."""
    seconds = parse_duration(text)
    if seconds is not None:
        return now - datetime.timedelta(seconds=seconds)
    try:
        return parse_timestamp(text).astimezone(datetime.UTC)
    except ValueError:
        raise LogsError(
            f"{flag} argument {text!r} is not in ISO8601 format and not a valid duration "
            "(e.g. 2017-04-20T15:30:00, 5m, 1d3h)"
        ) from None


def time_range(
    time_from: str | None, time_to: str | None, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """(start, end) of ``--from``/``--to``; ``--from`` defaults to 30 minutes ago and ``--to`` to ``now``."""
    end = now if time_to is None else parse_time_argument(time_to, "--to", now)
    start = parse_time_argument(DEFAULT_FROM if time_from is None else time_from, "--from", now)
    if start > end:
        raise LogsError(f"Start time bigger than end time: --from is {start.isoformat()}, --to is {end.isoformat()}")
    return start, end
