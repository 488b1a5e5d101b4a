"""Log lines as data: the §7.6 JSON line model and the log components.

A line is ``{"cluster", "component", "instance", "level", "message", "service", "timestamp"}`` with a
UTC isoformat timestamp.  Lines read from a task's sandbox carry the same fields (see ``sandbox``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass

from paasta_tools.errors import LogsError

ANY_CLUSTER = "N/A"
ANY_INSTANCE = "N/A"
LOG_LEVELS = ("event", "debug")
DEFAULT_COMPONENTS = ("build", "deploy", "monitoring", "stdout", "stderr")
# Components read from the Mesos sandboxes of the instance's tasks rather than from the event log.
SANDBOX_COMPONENTS = frozenset({"stdout", "stderr"})


@dataclass(frozen=True)
class Component:
    """One log component: its colour (an ANSI code, bold included where upstream used it) and help text."""

    name: str
    color: str
    help: str


BLUE, CYAN, GREEN, MAGENTA, RED, YELLOW, BOLD = (f"\033[{n}m" for n in (34, 36, 32, 35, 31, 33, 1))

LOG_COMPONENTS: dict[str, Component] = {
    c.name: c
    for c in (
        Component("build", BLUE, "Jenkins build jobs output, like the itest, promotion, security checks, etc."),
        Component("deploy", CYAN, "Output from the paasta deploy code. (setup_marathon_job, bounces, etc)"),
        Component("monitoring", GREEN, "Logs from Sensu checks for the service"),
        Component("marathon", MAGENTA, "Logs from Marathon for the service"),
        Component("chronos", RED, "Logs from Chronos for the service"),
        Component(
            "app_output",
            BOLD + YELLOW,
            "Stderr and stdout of the actual process spawned by Mesos. "
            "Convenience alias for both the stdout and stderr components",
        ),  # fmt: skip
        Component("stdout", YELLOW, "Stdout from the process spawned by Mesos."),
        Component("stderr", YELLOW, "Stderr from the process spawned by Mesos."),
    )
}


@dataclass(frozen=True)
class LogLine:
    """One parsed log line; ``raw`` is the text it was read from (printed as is in raw mode)."""

    timestamp: datetime.datetime  # timezone-aware, UTC
    component: str
    cluster: str
    instance: str
    level: str
    message: str
    service: str
    raw: str

    def to_json(self) -> str:
        """The line as §7.6 sorted-key JSON (what raw mode prints for lines that had no JSON of their own)."""
        return json.dumps(
            {
                "cluster": self.cluster,
                "component": self.component,
                "instance": self.instance,
                "level": self.level,
                "message": self.message,
                "service": self.service,
                "timestamp": self.timestamp.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(),
            },
            sort_keys=True,
        )


def parse_timestamp(text: str) -> datetime.datetime:
    """An ISO 8601 timestamp as an aware datetime; naive ones are UTC (as the writer stores them)."""
    parsed = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def parse_log_line(raw: str) -> LogLine | None:
    """The LogLine of one JSON line, or None when it is not JSON, lacks a field or has a bad timestamp."""
    try:
        data = json.loads(raw)
        timestamp = parse_timestamp(str(data["timestamp"]))
        return LogLine(
            timestamp=timestamp,
            component=str(data["component"]),
            cluster=str(data["cluster"]),
            instance=str(data["instance"]),
            level=str(data["level"]),
            message=str(data["message"]),
            service=str(data["service"]),
            raw=raw.rstrip("\r\n"),
        )
    except (ValueError, TypeError, KeyError):
        return None


def resolve_components(requested: Iterable[str] | None) -> frozenset[str]:
    """The components to show: ``requested`` (default DEFAULT_COMPONENTS), ``app_output`` as stdout+stderr.

    Raises LogsError naming the unknown ones and the valid list.
    """
    names = [c.strip() for c in (DEFAULT_COMPONENTS if requested is None else requested) if c.strip()]
    unknown = [c for c in names if c not in LOG_COMPONENTS]
    if unknown:
        raise LogsError(
            f"Unknown log component(s) for -C/--components: {', '.join(unknown)}. "
            f"Valid components: {', '.join(LOG_COMPONENTS)}"
        )
    if not names:
        raise LogsError(f"-C/--components names no component. Valid components: {', '.join(LOG_COMPONENTS)}")
    resolved = set(names)
    if "app_output" in resolved:
        resolved.discard("app_output")
        resolved |= {"stdout", "stderr"}
    return frozenset(resolved)
