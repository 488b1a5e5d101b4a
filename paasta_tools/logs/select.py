"""Ordering and slicing of log lines from several sources: merge by timestamp, last N, by offset."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

from paasta_tools.errors import LogsError
from paasta_tools.logs.model import LogLine

DEFAULT_LINE_COUNT = 100


def merge_by_time(sources: Iterable[Sequence[LogLine]]) -> list[LogLine]:
    """All lines of ``sources`` ordered by timestamp; lines of one source keep their order on ties."""
    ordered = [sorted(source, key=lambda line: line.timestamp) for source in sources]
    return list(heapq.merge(*ordered, key=lambda line: line.timestamp))


def last_lines(lines: Sequence[LogLine], count: int) -> list[LogLine]:
    """The last ``abs(count)`` lines."""
    count = abs(count)
    return list(lines[-count:]) if count else []


def lines_by_offset(lines: Sequence[LogLine], count: int, offset: int) -> list[LogLine]:
    """``count`` lines from line number ``offset`` (1 = the first): forward if positive, backward if negative.

    ``-o 1 -l 100`` gives the first 100 lines; ``-o 500 -l -10`` the 10 lines ending at line 500.
    """
    if offset < 1:
        raise LogsError(f"-o/--line-offset must be 1 or more (line numbers start at 1), got {offset}")
    if count >= 0:
        return list(lines[offset - 1 : offset - 1 + count])
    end = min(offset, len(lines))
    return list(lines[max(end + count, 0) : end])
