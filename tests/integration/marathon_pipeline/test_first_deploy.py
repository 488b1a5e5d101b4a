"""First deploy of an instance through setup_marathon_job, with real health checks and Sensu."""

from __future__ import annotations

from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE


def test_first_deploy_creates_the_app_and_reports_ok(make_pipeline, wait_for) -> None:
    pipeline = make_pipeline()
    pipeline.write_service({"main": HEALTHY_INSTANCE})
    assert pipeline.setup("svc.main") == 0
    app = wait_for(lambda: pipeline.only_app(), timeout=5)
    assert app["id"].startswith("/svc.main.gitaaaaaaaa.config") and app["instances"] == 2
    wait_for(lambda: pipeline.converged(2), timeout=20)
    events = pipeline.sensu.wait_for_events(1)
    event = events[0]
    assert event["name"] == "setup_marathon_job.svc.main" and event["status"] == 0
    assert event["output"] == "Service deployed."
    assert event["team"] == "devs" and event["runbook"] == "y/rb-svc"
    assert event["interval"] == 10 and event["alert_after"] == 600
    messages = [line["message"] for line in pipeline.deploy_log()]
    assert any(m.startswith("crossover bounce in progress on svc.main.") and "not created yet" in m for m in messages)
    assert f"crossover bounce creating new app with app_id {app['id']}" in messages
    # a second run in the steady state changes nothing
    before = pipeline.faults.writes()
    assert pipeline.setup("svc.main") == 0
    assert pipeline.faults.writes() == before


def test_service_without_deployments_is_skipped_silently(make_pipeline) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": HEALTHY_INSTANCE})
    (pipeline.soa_dir / "svc" / "deployments.json").unlink()
    assert pipeline.setup("svc.main") == 0
    assert pipeline.apps() == {} and pipeline.sensu.events == []


def test_no_team_means_no_sensu_event(make_pipeline) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": {**HEALTHY_INSTANCE, "healthcheck_mode": "tcp"}}, monitoring={})
    assert pipeline.setup("svc.main") == 0
    assert len(pipeline.apps()) == 1
    assert pipeline.sensu.events == []
    pipeline.write_service(
        {"main": {**HEALTHY_INSTANCE, "monitoring": {"team": "ops", "alert_after": "1h"}}}, monitoring={}
    )
    assert pipeline.setup("svc.main") == 0
    event = pipeline.sensu.wait_for_events(1)[0]
    assert event["team"] == "ops" and event["alert_after"] == 600  # setup_marathon_job's own 10m
