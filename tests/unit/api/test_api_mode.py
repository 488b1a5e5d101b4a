"""``paasta status`` API-mode lines from status bodies."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.status.api_mode import render_api_cluster, render_api_instance, use_api_endpoint
from paasta_tools.status.colors import PLAIN

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)


def _marathon(**fields) -> dict:
    marathon = {
        "app_count": 1, "desired_state": "start", "bounce_method": "crossover", "app_id": "svc.main.gitabc.configdef",
        "slaves": ["h1"], "expected_instance_count": 3, "deploy_status": "Running", "running_instance_count": 3,
    }  # fmt: skip
    marathon.update(fields)
    return {"service": "svc", "instance": "main", "git_sha": "abcdef01", "marathon": marathon}


@pytest.mark.parametrize(
    ("fields", "state", "marathon"),
    [
        ({}, "Configured - Desired state: Started", "Healthy - up with (3/3) instances. Status: Running"),
        (
            {"app_count": 2, "deploy_status": "Deploying", "running_instance_count": 1},
            "Bouncing (crossover) - Desired state: Started",
            "Warning - up with (1/3) instances. Status: Deploying",
        ),
        (
            {"deploy_status": "Delayed", "running_instance_count": 0, "backoff_seconds": 12},
            "Configured - Desired state: Started",
            "Critical - up with (0/3) instances. Status: Delayed (tasks are crashing, next won't launch for another "
            "12 seconds)",
        ),
        (
            {"app_count": 0, "deploy_status": "NotRunning", "running_instance_count": 0},
            "Disabled - Desired state: Started",
            "Warning - svc.main (app svc.main.gitabc.configdef) is not configured in Marathon yet (waiting for bounce)",
        ),
        (
            {"desired_state": "stop", "expected_instance_count": 0, "deploy_status": "Stopped",
             "running_instance_count": 0},
            "Configured - Desired state: Stopped",
            "Healthy - up with (0/0) instances. Status: Stopped",
        ),
    ],
)  # fmt: skip
def test_marathon_lines(fields: dict, state: str, marathon: str) -> None:
    assert render_api_instance(_marathon(**fields), "c1", NOW, PLAIN) == [
        "instance: main",
        "Git sha:    abcdef01 (desired)",
        f"State:      {state}",
        f"Marathon:   {marathon}",
    ]


def test_error_message_and_unknown_scheduler() -> None:
    body = {"service": "svc", "instance": "main", "git_sha": "abcdef01", "marathon": {"error_message": "No image."}}
    assert render_api_instance(body, "c1", NOW, PLAIN)[2:] == ["No image."]
    del body["marathon"]
    assert render_api_instance(body, "c1", NOW, PLAIN)[2:] == [
        "Not implemented: Looks like main is not a Marathon instance"
    ]


def test_chronos_lines_as_in_direct_mode() -> None:
    job = {
        "name": "svc nightly", "temporary": False, "command": "echo hi", "schedule_type": "schedule",
        "status": {"disabled_state": "scheduled", "chronos_state": "idle", "mesos_state": "not_running"},
        "schedule": {"schedule": "R/2099-01-01T00:00:00Z/P1D", "epsilon": "PT60S", "time_zone": "UTC"},
        "last_status": {"result": "fail", "time": "2017-03-15T10:18:30+00:00"}, "running_tasks": [],
    }  # fmt: skip
    body = {
        "service": "svc",
        "instance": "nightly",
        "git_sha": "abcdef01",
        "chronos": {"disabled": False, "jobs": [job]},
    }
    lines = render_api_instance(body, "c1", NOW, PLAIN)
    assert lines[2:4] == ["Desired:    Scheduled", "Job:     svc nightly"]
    assert lines[4].startswith("  Status:   Scheduled (idle)  Last:     Failed (") and lines[4].endswith(
        "2 minutes ago)"
    )
    assert lines[5:] == [
        "  Schedule: R/2099-01-01T00:00:00Z/P1D (UTC) Epsilon: PT60S",
        "  Command:  echo hi",
        "  Mesos:    Not running",
    ]
    body["chronos"]["jobs"] = []
    assert render_api_instance(body, "c1", NOW, PLAIN)[3:] == ["Warning: chronos job is not set up yet"]


def test_cluster_block() -> None:
    answers = [("main", _marathon()), ("other", "paasta-api GET ... answered 500: boom")]
    assert render_api_cluster("c1", ["canary"], answers, ["nope"], NOW, PLAIN) == [
        "",
        "cluster: c1",
        "  instance: canary",
        "    Git sha:    None (not deployed yet)",
        "  instance: main",
        "    Git sha:    abcdef01 (desired)",
        "    State:      Configured - Desired state: Started",
        "    Marathon:   Healthy - up with (3/3) instances. Status: Running",
        "  instance: other",
        "    Error: paasta-api GET ... answered 500: boom",
        "",
        "Warning: This service does not have any instance matching these names:",
        "nope",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("Yes", True), ("on", True), ("0", False), ("false", False), ("", False)],
)
def test_use_api_endpoint(value: str, expected: bool) -> None:
    assert use_api_endpoint({"USE_API_ENDPOINT": value}) is expected
    assert use_api_endpoint({}) is False


def test_a_status_body_this_paasta_cannot_read_is_an_error_line_not_a_crash() -> None:
    older = render_api_instance(_marathon(deploy_status="Not Running", running_instance_count="0"), "c1", NOW, PLAIN)
    assert older[2:] == [
        "State:      Configured - Desired state: Started",
        "Marathon:   Critical - up with (0/3) instances. Status: Not Running",
    ]
    answers = [("main", ["not", "a", "status"]), ("other", {"service": "svc", "marathon": "broken"})]
    assert render_api_cluster("c1", [], answers, [], NOW, PLAIN)[2:] == [
        "  instance: main",
        "    Error: paasta-api answered a JSON list instead of a status object",
        "  instance: other",
        "    Error: paasta-api answered a status whose marathon is a JSON str instead of an object",
    ]


def test_an_answer_is_ok_only_when_it_is_a_status_without_an_error() -> None:
    from paasta_tools.status.api_mode import answer_ok

    assert answer_ok(_marathon())
    assert not answer_ok(_marathon(error_message="Docker image is not in deployments.json."))
    assert not answer_ok("paasta-api GET ... answered 500: boom")
    assert not answer_ok(["not", "a", "status"])
    assert answer_ok({"service": "svc", "instance": "nightly", "git_sha": "abcdef01", "chronos": {"jobs": []}})
