"""Text helpers of the status renderers: humanised ages, local times and aligned tables."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from paasta_tools.status.colors import terminal_len

_UNITS = (
    (86400 * 365, "year", "a year"),
    (86400, "day", "a day"),
    (3600, "hour", "an hour"),
    (60, "minute", "a minute"),
)


def naturaltime(seconds: float) -> str:
    """``seconds`` ago in words, as the ``humanize`` package writes it ("3 minutes ago", "now")."""
    future = seconds < 0
    seconds = abs(int(seconds))
    suffix = "from now" if future else "ago"
    if seconds == 0:
        return "now"
    for size, unit, single in _UNITS:
        if seconds >= size:
            count = seconds // size
            return f"{single} {suffix}" if count == 1 else f"{count} {unit}s {suffix}"
    return f"a second {suffix}" if seconds == 1 else f"{seconds} seconds {suffix}"


def age(when: datetime.datetime, now: datetime.datetime) -> str:
    """How long ago ``when`` was, in words."""
    return naturaltime((now - when).total_seconds())


def local_minutes(when: datetime.datetime, tz: datetime.tzinfo | None = None) -> str:
    """``YYYY-MM-DDTHH:MM`` in local time (or ``tz``)."""
    return when.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def deployed_at(when: datetime.datetime | None, now: datetime.datetime, tz: datetime.tzinfo | None = None) -> str:
    """``YYYY-MM-DDTHH:MM (3 minutes ago)``; ``Unknown`` when the time is not known."""
    if when is None:
        return "Unknown"
    return f"{local_minutes(when, tz)} ({age(when, now)})"


def format_table(rows: Sequence[Sequence[str] | str], min_spacing: int = 2) -> list[str]:
    """Align the cells of list rows in columns (colour codes do not count); string rows pass through."""
    list_rows = [row for row in rows if not isinstance(row, str)]
    if not list_rows:
        return [row for row in rows if isinstance(row, str)]
    widths = [max(terminal_len(row[i]) for row in list_rows if i < len(row)) for i in range(len(list_rows[0]))]
    lines = []
    for row in rows:
        if isinstance(row, str):
            lines.append(row)
            continue
        cells = [
            cell if i == len(row) - 1 else cell + " " * (widths[i] - terminal_len(cell)) for i, cell in enumerate(row)
        ]
        lines.append((" " * min_spacing).join(cells))
    return lines
