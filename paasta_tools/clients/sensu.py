"""Sending Sensu events through the local Sensu client socket (pysensu-yelp).

Never relies on pysensu-yelp's built-in default host: the host and port always come from the
system config (``sensu_host``/``sensu_port``), and a null host disables sending.
"""

from __future__ import annotations

from paasta_tools.config.monitoring_events import CRITICAL, OK, UNKNOWN, WARNING, SensuEvent

__all__ = ["CRITICAL", "OK", "UNKNOWN", "WARNING", "SensuEvent", "send_event"]


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
