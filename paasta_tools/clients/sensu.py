"""Sending Sensu events through the local Sensu client socket (pysensu-yelp).

Never relies on pysensu-yelp's built-in default host: the host and port always come from the
system config (``sensu_host``/``sensu_port``), and a null host disables sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OK = 0
WARNING = 1
CRITICAL = 2
UNKNOWN = 3


@dataclass(frozen=True)
class SensuEvent:
    """One check result; ``fields`` holds the optional pysensu-yelp keyword arguments."""

    check_name: str
    status: int
    output: str
    team: str
    runbook: str
    fields: Mapping[str, Any] = field(default_factory=dict)


def send_event(event: SensuEvent, sensu_host: str | None, sensu_port: int) -> bool:
    """Send ``event``; returns False (and sends nothing) when Sensu is disabled by a null host."""
    if not sensu_host:
        return False
    import pysensu_yelp

    pysensu_yelp.send_event(
        name=event.check_name,
        runbook=event.runbook,
        status=event.status,
        output=event.output,
        team=event.team,
        sensu_host=sensu_host,
        sensu_port=sensu_port,
        **dict(event.fields),
    )
    return True
