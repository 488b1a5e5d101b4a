"""check_chronos_jobs decisions: status and output from a configured job and its Chronos job (no I/O)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from paasta_tools.config.loader import build_instance_config
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.operations.chronos_checks import (
    CheckResult,
    check_event,
    check_overrides,
    guess_realert_every,
    job_check,
    realert_note,
)
from paasta_tools.operations.chronos_jobs import ConfiguredJob

NOW = datetime.datetime(2017, 4, 21, 12, 0, tzinfo=datetime.UTC)


def configured(job: dict, desired_state: str = "start", monitoring: dict | None = None) -> ConfiguredJob:
    files = ServiceFiles(
        service="svc",
        soa_dir="/soa",
        service_yaml={},
        monitoring=monitoring if monitoring is not None else {"team": "batch", "runbook": "y/rb-batch"},
        instance_files={("chronos", "c1"): {"job": job}},
    )
    config = build_instance_config(files, "chronos", "c1", "job")
    return ConfiguredJob(dataclasses.replace(config, branch_dict={"desired_state": desired_state}), files)


HOURLY = configured({"schedule": "0 * * * *", "cmd": "true"})


def test_missing_job_is_a_warning_unless_disabled() -> None:
    assert job_check(HOURLY, None, "c1", NOW) == (
        1,
        "Warning: svc.job isn't in chronos at all, which means it may not be deployed yet",
    )
    stopped = configured({"schedule": "0 * * * *", "cmd": "true"}, desired_state="stop")
    assert job_check(stopped, None, "c1", NOW) == (0, "Job svc.job is disabled - ignoring status.")


def test_a_disabled_chronos_job_is_ok() -> None:
    assert job_check(HOURLY, {"disabled": True, "lastError": "2017-04-21T11:30:00Z"}, "c1", NOW)[0] == 0


@pytest.mark.parametrize(
    ("chronos_job", "status", "start"),
    [
        ({"lastSuccess": "2017-04-21T11:30:00Z"}, 0, "Last run of job svc.job Succeded"),
        (
            {"lastSuccess": "2017-04-21T11:00:00Z", "lastError": "2017-04-21T11:30:00Z"},
            2,
            "Last run of job svc.job Failed.",
        ),
        ({"lastSuccess": "", "lastError": ""}, None, "Job svc.job has not run yet"),
        (
            {"lastSuccess": "2017-04-21T10:30:00Z"},
            2,
            "Job svc.job with schedule 0 * * * * hasn't run since 2017-04-21T10:30:00Z, "
            "and is configured to run every 60.0 minutes.",
        ),
    ],
)
def test_last_run_decides(chronos_job: dict, status: int | None, start: str) -> None:
    found_status, output = job_check(HOURLY, {"disabled": False, **chronos_job}, "c1", NOW)
    assert found_status == status
    assert output.startswith(start)


def test_realert_every_follows_the_interval_up_to_a_day() -> None:
    assert guess_realert_every(HOURLY.config, NOW) == 60
    daily = configured({"schedule": "R/2017-01-01T00:00:00Z/P7D", "cmd": "true"})
    assert guess_realert_every(daily.config, NOW) == 1440
    dependent = configured({"parents": ["svc.other"], "cmd": "true"})
    assert guess_realert_every(dependent.config, NOW) == -1
    assert realert_note("out", 90) == "out\n\nThis check realerts every 1h30m."
    assert realert_note("out", -1) == "out"


def test_overrides_keep_the_instance_settings_and_fix_check_every() -> None:
    job = configured({"schedule": "0 * * * *", "cmd": "true", "monitoring": {"alert_after": "10m", "realert_every": 5}})
    overrides = check_overrides(job, NOW)
    assert (overrides["alert_after"], overrides["check_every"], overrides["realert_every"]) == ("10m", "1m", 5)
    assert overrides["runbook"] == "y/rb-batch"
    assert check_overrides(HOURLY, NOW)["alert_after"] == "2m"


def test_event_carries_the_check_name_and_realert_note_and_none_without_team() -> None:
    event = check_event(CheckResult(HOURLY, 2, "it failed"), "c1", NOW)
    assert (event.check_name, event.status, event.team) == ("check_chronos_jobs.svc.job", 2, "batch")
    assert event.output == "it failed\n\nThis check realerts every 1h0m."
    assert event.fields["source"] == "paasta-c1"
    teamless = configured({"schedule": "0 * * * *", "cmd": "true"}, monitoring={})
    assert check_event(CheckResult(teamless, 2, "x"), "c1", NOW) is None
    assert check_event(CheckResult(HOURLY, None, "not run"), "c1", NOW) is None
