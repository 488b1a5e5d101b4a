"""check_synapse_replication's verdicts: how many backends of each proxy are UP against two ranges.

Ranges are closed intervals ``(low, high)``; a count outside the critical range is CRITICAL (2),
else outside the warning range WARNING (1), else OK (0), as a Nagios plugin reports.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from paasta_tools.marathon.haproxy_csv import HaproxyBackend, count_up

UNBOUNDED = sys.maxsize  # what an open upper end (``min:``) stands for


class CheckStatus(IntEnum):
    """Nagios plugin exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass(frozen=True)
class ReplicationResult:
    """The verdict on one proxy and the line reporting it."""

    service: str
    status: CheckStatus
    message: str


def parse_range(text: str) -> tuple[int, int]:
    """``min:max``, ``min:`` or ``:max`` as ``(low, high)``; ValueError naming the text otherwise."""
    parts = text.split(":")
    if len(parts) != 2:
        raise ValueError(f"Incorrect range {text!r}: expected min:max, min: or :max")
    low, high = parts
    try:
        return int(low) if low else 0, int(high) if high else UNBOUNDED
    except ValueError:
        raise ValueError(f"Failed to parse range {text!r}: the bounds must be integers") from None


def check_replication(
    service: str, count: int, warn_range: tuple[int, int], crit_range: tuple[int, int]
) -> ReplicationResult:
    """The verdict on ``service`` having ``count`` UP backends."""
    status, interval = CheckStatus.OK, None
    if not crit_range[0] <= count <= crit_range[1]:
        status, interval = CheckStatus.CRITICAL, crit_range
    elif not warn_range[0] <= count <= warn_range[1]:
        status, interval = CheckStatus.WARNING, warn_range
    expected = f", expected value in {interval}" if interval is not None else ""
    return ReplicationResult(service, status, f"{status.name} {service} has {count} instance(s){expected}")


def check_services(
    backends: Iterable[HaproxyBackend],
    services: Sequence[str],
    warn_range: tuple[int, int],
    crit_range: tuple[int, int],
) -> list[ReplicationResult]:
    """One verdict per ``service.namespace`` in ``services`` (a proxy the CSV lacks has 0 backends)."""
    rows = list(backends)
    return [check_replication(name, count_up(rows, name), warn_range, crit_range) for name in services]


def overall_status(results: Iterable[ReplicationResult]) -> CheckStatus:
    """The worst verdict (OK when there is none)."""
    return max((r.status for r in results), default=CheckStatus.OK)
