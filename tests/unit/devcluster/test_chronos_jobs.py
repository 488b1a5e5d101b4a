"""Chronos 2.5 job documents: deserializer defaults, serializer order, validation, search."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paasta_tools.devcluster.chronos.jobs import (
    ChronosRequestError,
    as_text,
    is_valid_job_name,
    last_run_status,
    listing_view,
    parse_job,
    search_jobs,
    validate_dependent,
    validate_scheduled,
)
from tests.support.chronos_fields import CHRONOS_JOB_FIELDS

NOW = datetime(2017, 3, 15, 10, 20, 30, tzinfo=UTC)


def test_minimal_job_gets_the_deserializer_defaults_in_serializer_order() -> None:
    job = parse_job({"name": "svc main", "command": "true"})
    assert list(job) == CHRONOS_JOB_FIELDS + ["constraints", "schedule", "scheduleTimeZone"]
    assert job["shell"] is True
    assert job["epsilon"] == "PT60S"
    assert job["retries"] == 2
    assert (job["cpus"], job["disk"], job["mem"]) == (0.1, 256.0, 128.0)
    assert job["runAsUser"] == "root"
    assert job["schedule"] == "R1//PT24H"
    assert job["scheduleTimeZone"] == ""
    assert (job["successCount"], job["lastSuccess"], job["lastError"]) == (0, "", "")


def test_dependent_job_serializes_parents_last() -> None:
    job = parse_job({"name": "b", "command": "true", "parents": ["a", "c", "a"], "schedule": "R/x/PT1M"})
    assert list(job)[-2:] == ["constraints", "parents"]
    assert job["parents"] == ["a", "c"]
    assert "schedule" not in job


def test_jackson_leniency_for_nulls_text_and_zero_resources() -> None:
    job = parse_job(
        {
            "name": "j",
            "command": None,
            "scheduleTimeZone": None,
            "arguments": None,
            "retries": "3",
            "cpus": 0,
            "mem": "512",
            "disabled": "true",
            "epsilon": "PT15M",
        }
    )
    assert job["command"] == "null"
    assert job["scheduleTimeZone"] == "null"
    assert job["arguments"] == []
    assert job["retries"] == 3
    assert job["cpus"] == 0.1
    assert job["mem"] == 512.0
    assert job["disabled"] is True
    assert job["epsilon"] == "PT15M"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        (5, "5"),
        (2.5, "2.5"),
        (1.0, "1.0"),
        (1e7, "1.0E7"),
        (-1.5e-5, "-1.5E-5"),
        ([], ""),
    ],
)
def test_as_text_reads_like_jackson(value: object, text: str) -> None:
    assert as_text(value) == text


def test_container_is_always_docker_lowercase_with_upper_volume_modes() -> None:
    job = parse_job(
        {
            "name": "j",
            "command": "true",
            "container": {
                "type": "MESOS",
                "image": "registry/svc:tag",
                "network": "BRIDGE",
                "volumes": [{"containerPath": "/tmp", "hostPath": "/tmp", "mode": "ro"}, {"containerPath": "/x"}],
                "parameters": [{"key": "label", "value": "paasta_service=svc"}],
            },
            "constraints": [["pool", "LIKE", "default"], ["region", "GROUP_BY", "x"]],
        }
    )
    assert job["container"] == {
        "type": "docker",
        "image": "registry/svc:tag",
        "network": "BRIDGE",
        "volumes": [{"hostPath": "/tmp", "containerPath": "/tmp", "mode": "RO"}, {"containerPath": "/x"}],
        "forcePullImage": False,
        "parameters": [{"key": "label", "value": "paasta_service=svc"}],
    }
    assert list(job).index("container") == list(job).index("runAsUser") + 1
    assert job["constraints"] == [["pool", "LIKE", "default"]]
    assert parse_job({"name": "j", "command": "c", "container": {"image": "i"}})["container"]["network"] == "HOST"


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"command": "true"},
        {"name": "j"},
        {"name": "j", "command": "c", "epsilon": "sixty"},
        {"name": "j", "command": "c", "container": {"network": "HOST"}},
        {"name": "j", "command": "c", "container": {"image": "i", "network": "OVERLAY"}},
        {"name": "j", "command": "c", "container": {"image": "i", "volumes": [{"containerPath": "/a", "mode": "x"}]}},
        {"name": "j", "command": "c", "environmentVariables": ["A=b"]},
        {"name": "j", "command": "c", "constraints": [["pool"]]},
    ],
)
def test_bodies_that_are_not_jobs_are_400(body: object) -> None:
    with pytest.raises(ChronosRequestError) as caught:
        parse_job(body)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("name", "valid"), [("svc main", True), ("a.b#c_d-e", True), ("svc/main", False), ("", False), ("jöb", False)]
)
def test_job_name_pattern(name: str, valid: bool) -> None:
    assert is_valid_job_name(name) is valid


def test_scheduled_validation() -> None:
    with pytest.raises(ChronosRequestError) as caught:
        validate_scheduled(parse_job({"name": "a/b", "command": "c"}), None, NOW)
    assert caught.value.body.startswith("requirement failed: the job's name is invalid. Allowed names: ")
    with pytest.raises(ChronosRequestError) as caught:
        validate_scheduled(parse_job({"name": "a", "command": "c", "schedule": "every day"}), None, NOW)
    assert (caught.value.status, caught.value.body) == (400, "")
    with pytest.raises(ChronosRequestError):
        validate_scheduled(parse_job({"name": "a", "command": "c", "parents": ["b"]}), None, NOW)
    validate_scheduled(parse_job({"name": "a", "command": "c", "schedule": "0 3 * * *"}), None, NOW)


def test_dependent_validation() -> None:
    with pytest.raises(ChronosRequestError) as caught:
        validate_dependent(parse_job({"name": "b", "command": "c", "parents": ["a", "x"]}), None, ["a"])
    assert caught.value.body == "requirement failed: Job b does not have all parents defined!"
    with pytest.raises(ChronosRequestError) as caught:
        validate_dependent(parse_job({"name": "b", "command": "c", "parents": []}), None, ["a"])
    assert caught.value.status == 500
    validate_dependent(parse_job({"name": "b", "command": "c", "parents": ["a"]}), None, ["a"])


def test_listing_mirrors_uris_into_fetch() -> None:
    job = parse_job({"name": "j", "command": "c", "uris": ["file:///docker.tar.gz"]})
    view = listing_view(job)
    assert view["fetch"] == [{"uri": "file:///docker.tar.gz", "executable": False, "cache": False, "extract": False}]
    assert job["fetch"] == []


def test_search_is_a_case_insensitive_substring_with_limit() -> None:
    jobs = [parse_job({"name": f"svc job{i}", "command": "echo"}) for i in range(12)]
    jobs.append(parse_job({"name": "other", "command": "run SVC"}))
    assert len(search_jobs(jobs, "SVC", None, None, 10, 0)) == 10
    assert [job["name"] for job in search_jobs(jobs, "svc", None, None, 10, 10)] == ["svc job10", "svc job11"]
    names = [job["name"] for job in search_jobs(jobs, "job1", "echo", None, 10, 0)]
    assert names == ["svc job1", "svc job10", "svc job11"]
    assert [job["name"] for job in search_jobs(jobs, "nomatch", None, "run svc", 10, 0)] == ["other"]
    assert [job["name"] for job in search_jobs(jobs, "job1", None, None, 2, -1)] == ["svc job1"]
    assert search_jobs(jobs, "svc", None, None, -3, 0) == []


@pytest.mark.parametrize(
    ("success", "error", "status"),
    [
        ("", "", "fresh"),
        ("2017-01-01T00:00:00.000Z", "", "success"),
        ("", "2017-01-01T00:00:00.000Z", "failure"),
        ("2017-01-02T00:00:00.000Z", "2017-01-01T00:00:00.000Z", "success"),
        ("2017-01-01T00:00:00.000Z", "2017-01-01T00:00:00.000Z", "failure"),
    ],
)
def test_last_run_status(success: str, error: str, status: str) -> None:
    job = parse_job({"name": "j", "command": "c", "lastSuccess": success, "lastError": error})
    assert last_run_status(job) == status
