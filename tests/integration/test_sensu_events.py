"""Sensu events reach the configured socket, never pysensu-yelp's default host."""

from __future__ import annotations

from paasta_tools.clients import sensu


def test_event_is_sent_to_the_configured_host(sensu_listener, wait_for) -> None:
    event = sensu.SensuEvent(
        check_name="setup_marathon_job.svc.main",
        status=sensu.CRITICAL,
        output="it broke",
        team="devs",
        runbook="http://runbook",
        fields={"alert_after": "10m", "check_every": "10s", "source": "paasta-devcluster"},
    )
    assert sensu.send_event(event, sensu_listener.host, sensu_listener.port)
    wait_for(lambda: sensu_listener.events)
    sent = sensu_listener.events[0]
    assert sent["name"] == "setup_marathon_job.svc.main"
    assert sent["status"] == 2
    assert sent["team"] == "devs"
    assert sent["alert_after"] == 600  # pysensu-yelp sends durations in seconds
    assert sent["source"] == "paasta-devcluster"


def test_null_host_disables_sending(sensu_listener) -> None:
    event = sensu.SensuEvent("c", sensu.OK, "fine", "devs", "rb")
    assert sensu.send_event(event, None, sensu_listener.port) is False
    assert sensu_listener.events == []
