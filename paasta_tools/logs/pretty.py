"""How ``paasta logs`` prints a line: upstream's pretty format, or the raw JSON.

Pretty: ``<local time> [component] [cluster] [instance] - [level] message``, the component in its
colour; the level is shown when more than one level is requested (event bold, others grey).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

from paasta_tools.logs.model import BOLD, LOG_COMPONENTS, LogLine

GREY = "\033[1m\033[30m"
RESET = "\033[0m"


def _paint(code: str, text: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text


def pretty_timestamp(timestamp: datetime.datetime, tz: datetime.tzinfo | None = None) -> str:
    """``YYYY-mm-dd HH:MM:SS`` in ``tz`` (default: the local time zone), without microseconds."""
    return timestamp.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def pretty_component(component: str, color: bool) -> str:
    known = LOG_COMPONENTS.get(component)
    if known is None:
        return f"UNPRETTIFIABLE COMPONENT {component}"
    return _paint(known.color, f"[{component}]", color)


def pretty_level(level: str, requested_levels: Collection[str], color: bool) -> str:
    if len(requested_levels) <= 1:
        return ""
    return _paint(BOLD if level == "event" else GREY, f"[{level}] ", color)


def format_line(
    line: LogLine,
    requested_levels: Collection[str],
    color: bool = False,
    raw: bool = False,
    tz: datetime.tzinfo | None = None,
) -> str:
    """The text printed for ``line`` (no trailing newline)."""
    if raw:
        return line.raw
    return (
        f"{pretty_timestamp(line.timestamp, tz)} {pretty_component(line.component, color)} "
        f"[{line.cluster}] [{line.instance}] - {pretty_level(line.level, requested_levels, color)}{line.message}"
    )
