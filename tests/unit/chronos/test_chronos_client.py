"""The Chronos client factory and its error surfacing (no sockets: the chronos-python side is passed in)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import chronos
import pytest

from paasta_tools.clients.chronos_client import (
    ChronosClient,
    ChronosServers,
    explain_failure,
    get_chronos_client,
    get_chronos_client_from_config,
    parse_chronos_urls,
)
from paasta_tools.errors import ChronosError

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "chronos_jobs"


def test_parse_urls() -> None:
    assert parse_chronos_urls(["http://a:8081", "http://b:8081/"]) == ChronosServers("http", ("a:8081", "b:8081"))
    assert parse_chronos_urls("https://c") == ChronosServers("https", ("c",))


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        ([], "empty 'url' list"),
        (["chronos:8081"], "is not a URL"),
        (["ftp://a"], "all be http:// or all https://"),
        (["http://a", "https://b"], "all be http:// or all https://"),
        ([None], "is not a URL"),
    ],
)
def test_bad_urls(urls: list[Any], expected: str) -> None:
    with pytest.raises(ChronosError, match=expected):
        parse_chronos_urls(urls)


def test_factory_uses_the_2x_paths_and_credentials() -> None:
    client = get_chronos_client(["http://127.0.0.1:8081"], "user", "secret")
    assert client.raw.servers == ["http://127.0.0.1:8081"]
    assert client.raw.scheduler_api_version is None
    assert client.raw._prefix == ""
    assert (client.raw._user, client.raw._password) == ("user", "secret")


def test_factory_from_config() -> None:
    client = get_chronos_client_from_config({"url": ["http://127.0.0.1:1"], "user": None, "password": None})
    assert client.raw.servers == ["http://127.0.0.1:1"]
    with pytest.raises(ChronosError, match="Chronos is not configured: system config key 'chronos_config'"):
        get_chronos_client_from_config({})


def test_required_field_check_does_not_grow() -> None:
    client = get_chronos_client(["http://127.0.0.1:1"])
    job = {"name": "a b", "command": "x", "owner": "", "disabled": False, "async": False, "schedule": "R//PT1M"}
    # Other code in the process may use chronos-python directly and grow the class list; ours must not.
    before = list(chronos.ChronosJob.fields)
    for _ in range(3):
        assert client.raw._check_fields(job)
    assert chronos.ChronosJob.fields == before
    with pytest.raises(chronos.MissingFieldError, match="async"):
        client.raw._check_fields({k: v for k, v in job.items() if k != "async"})


def test_explain_failure() -> None:
    messages = [
        "Error while calling http://a/scheduler/job/x: API returned status 400, content: requirement failed: nope",
        "Error while calling http://b/scheduler/job/x: ",
        "Error while calling http://b/scheduler/job/x: ",
    ]
    assert explain_failure("run job 'x'", messages, chronos.ChronosAPIError("No remaining Chronos servers to try")) == (
        "Chronos run job 'x' failed: Error while calling http://a/scheduler/job/x: API returned status 400, content: "
        "requirement failed: nope; Error while calling http://b/scheduler/job/x: HTTP 401 Unauthorized: check "
        "chronos_config 'user' and 'password'"
    )
    assert explain_failure("list jobs", [], chronos.MissingFieldError("missing required field owner")) == (
        "Chronos list jobs failed: missing required field owner"
    )


class LoggingRaw:
    """Behaves like chronos-python on failure: logs per server, then raises the generic error."""

    def __init__(self, jobs: list[dict[str, Any]]) -> None:
        self.jobs = jobs

    def list(self) -> list[dict[str, Any]]:
        return self.jobs

    def run(self, name: str) -> None:
        logging.getLogger("chronos").error("Error while calling %s: %s", f"http://a/scheduler/job/{name}", "500")
        raise chronos.ChronosAPIError("No remaining Chronos servers to try")

    def update(self, job: dict[str, Any]) -> None:
        logging.getLogger("chronos").error("Error while calling %s: %s", "http://a/scheduler/dependency", "400")
        raise chronos.ChronosAPIError("No remaining Chronos servers to try")


def test_failures_carry_the_logged_cause_and_whether_the_job_exists() -> None:
    client = ChronosClient(LoggingRaw(jobs=[{"name": "svc other"}]))
    with pytest.raises(ChronosError) as excinfo:
        client.run("svc job")
    assert str(excinfo.value) == (
        "Chronos run job 'svc job' failed: Error while calling http://a/scheduler/job/svc job: 500 "
        "(Chronos has no job named 'svc job')"
    )
    assert client.list() == [{"name": "svc other"}]


def test_an_existing_job_gets_no_missing_note() -> None:
    client = ChronosClient(LoggingRaw(jobs=[{"name": "svc job"}]))
    with pytest.raises(ChronosError) as excinfo:
        client.run("svc job")
    assert "has no job named" not in str(excinfo.value)


def test_a_failed_dependent_job_names_its_missing_parents() -> None:
    client = ChronosClient(LoggingRaw(jobs=[{"name": "svc a"}]))
    with pytest.raises(ChronosError) as excinfo:
        client.update({"name": "svc c", "parents": ["svc a", "svc b"]})
    assert str(excinfo.value) == (
        "Chronos update job 'svc c' failed: Error while calling http://a/scheduler/dependency: 400 "
        "(parents missing in Chronos: 'svc b')"
    )


@pytest.mark.parametrize("golden", sorted(p.name for p in GOLDEN.glob("*.json")))
def test_golden_jobs_pass_chronos_python_checks(golden: str) -> None:
    job = json.loads((GOLDEN / golden).read_text())["expected"]
    assert get_chronos_client(["http://127.0.0.1:1"]).raw._check_fields(job)
