"""Sensu events built from monitoring resolution (§4.11)."""

from __future__ import annotations

from paasta_tools.clients import sensu
from paasta_tools.config import monitoring_events as me
from paasta_tools.config.monitoring import MONITORING_DEFAULTS
from paasta_tools.config.soa_dir import ServiceFiles


def _files(monitoring: dict | None = None, service_yaml: dict | None = None) -> ServiceFiles:
    return ServiceFiles(service="svc", soa_dir="/soa", service_yaml=service_yaml or {}, monitoring=monitoring or {})


def test_no_team_means_no_event() -> None:
    assert me.build_event("check.svc.main", me.OK, "fine", _files(), {}, "prod") is None


def test_defaults_and_resolved_fields() -> None:
    files = _files({"team": "devs", "notification_email": "devs@example.com", "page": True, "irc_channels": ["#d"]})
    event = me.build_event("check.svc.main", me.CRITICAL, "broken", files, {}, "prod")
    assert event == me.SensuEvent(
        check_name="check.svc.main",
        status=2,
        output="broken",
        team="devs",
        runbook="http://y/paasta-troubleshooting",
        fields={
            "tip": MONITORING_DEFAULTS["tip"],
            "notification_email": "devs@example.com",
            "irc_channels": ["#d"],
            "ticket": False,
            "project": None,
            "page": True,
            "alert_after": "5m",
            "check_every": "1m",
            "realert_every": -1,
            "source": "paasta-prod",
            "ttl": None,
        },
    )
    assert event.fields["tip"].startswith("Please set a `tip` field")


def test_overrides_win_over_monitoring_yaml() -> None:
    files = _files({"team": "devs", "runbook": "y/rb-yaml", "alert_after": "20m"})
    overrides = {"team": "ops", "runbook": "y/rb-instance", "realert_every": 5, "ticket": True}
    event = me.build_event("c", me.OK, "ok", files, overrides, "dev", ttl="1h")
    assert (event.team, event.runbook) == ("ops", "y/rb-instance")
    assert event.fields["ticket"] is True and event.fields["realert_every"] == 5 and event.fields["ttl"] == "1h"
    # alert_after comes only from the overrides (the instance's monitoring dict), as upstream
    assert event.fields["alert_after"] == "5m"


def test_team_from_service_yaml_and_email_from_team_data() -> None:
    files = _files(service_yaml={"team": "payments"})
    team_data = {"team_data": {"payments": {"notification_email": "pay@example.com"}}}
    event = me.build_event("c", me.OK, "ok", files, {}, "dev", team_data=team_data)
    assert event.team == "payments" and event.fields["notification_email"] == "pay@example.com"


def test_setup_marathon_job_overrides_replace_cadence() -> None:
    overrides = me.setup_marathon_job_overrides({"team": "devs", "alert_after": "1h", "check_every": "5m"})
    assert overrides == {"team": "devs", "alert_after": "10m", "check_every": "10s"}
    assert me.check_name("setup_marathon_job", "my_svc", "canary_1") == "setup_marathon_job.my_svc.canary_1"


def test_clients_sensu_reexports_the_data_type() -> None:
    assert sensu.SensuEvent is me.SensuEvent and sensu.CRITICAL == me.CRITICAL == 2
