"""Contract tests of the devcluster's Chronos 2.x API, over real HTTP.

Driven through the real chronos-python client with ``scheduler_api_version=None`` (the 2.x paths
PaaSTA uses); status codes and error bodies, which chronos-python swallows, are checked with
plain ``requests``.
"""

from __future__ import annotations

import json

import chronos
import pytest
import requests

from tests.support.chronos_fields import CHRONOS_JOB_FIELDS
from tests.support.waiting import wait_for

LATER = "R/2099-01-01T00:00:00Z/P1D"


def paasta_job(name: str, **extra: object) -> dict:
    """A job shaped like the ones PaaSTA's setup_chronos_job posts."""
    job = {
        "name": name,
        "command": "echo hello",
        "owner": "team@example.com",
        "disabled": False,
        "async": False,
        "epsilon": "PT60S",
        "retries": 2,
        "cpus": 0.25,
        "mem": 256,
        "disk": 512,
        "scheduleTimeZone": None,
        "description": "config1234abcd",
        "environmentVariables": [{"name": "PAASTA_SERVICE", "value": "svc"}],
        "constraints": [["pool", "LIKE", "default"]],
        "container": {"type": "DOCKER", "image": "127.0.0.1:15000/svc:abc", "network": "BRIDGE", "volumes": []},
        "shell": True,
        "arguments": None,
    }
    job.update(extra)
    if "parents" not in job:
        job.setdefault("schedule", LATER)
    return job


@pytest.fixture
def devcluster(devcluster_factory):
    return devcluster_factory(apis=("chronos",))


@pytest.fixture
def client(devcluster):
    return chronos.connect([devcluster.chronos_url.removeprefix("http://")], scheduler_api_version=None)


def by_name(client, name: str) -> dict:
    return next(job for job in client.list() if job["name"] == name)


def test_created_job_is_listed_with_every_serializer_field_in_order(client, devcluster) -> None:
    client.add(paasta_job("svc main"))
    raw = requests.get(f"{devcluster.chronos_url}/scheduler/jobs", timeout=5).json()
    expected = CHRONOS_JOB_FIELDS + ["container", "constraints", "schedule", "scheduleTimeZone"]
    assert [list(job) for job in raw] == [expected]
    job = by_name(client, "svc main")
    assert job["container"] == {
        "type": "docker",
        "image": "127.0.0.1:15000/svc:abc",
        "network": "BRIDGE",
        "volumes": [],
        "forcePullImage": False,
        "parameters": [],
    }
    assert (job["cpus"], job["mem"], job["disk"]) == (0.25, 256.0, 512.0)
    assert job["scheduleTimeZone"] == "null"
    assert job["schedule"] == LATER
    assert job["environmentVariables"] == [{"name": "PAASTA_SERVICE", "value": "svc"}]


def test_update_replaces_the_job_wholesale(client) -> None:
    client.add(paasta_job("svc main"))
    client.run("svc main")
    wait_for(lambda: by_name(client, "svc main")["successCount"] == 1)
    client.update(paasta_job("svc main", command="echo changed", description="config99999999"))
    job = by_name(client, "svc main")
    assert (job["command"], job["description"], job["successCount"], job["lastSuccess"]) == (
        "echo changed",
        "config99999999",
        0,
        "",
    )


def test_search_matches_substrings_and_returns_ten_by_default(client, devcluster) -> None:
    for index in range(12):
        client.add(paasta_job(f"svc job{index}"))
    client.add(paasta_job("other main"))
    assert len(client.search(name="svc")) == 10
    assert [job["name"] for job in client.search(name="JOB1")] == ["svc job1", "svc job10", "svc job11"]
    url = f"{devcluster.chronos_url}/scheduler/jobs/search"
    assert len(requests.get(url, params={"name": "svc", "limit": 20}, timeout=5).json()) == 12
    assert requests.get(url, params={"limit": "many"}, timeout=5).status_code == 404


def test_dependent_jobs_and_the_graph_csv(client) -> None:
    client.add(paasta_job("svc parent"))
    client.add(paasta_job("other parent"))
    client.add(paasta_job("svc child", parents=["svc parent", "other parent"]))
    child = by_name(client, "svc child")
    assert child["parents"] == ["svc parent", "other parent"]
    assert "schedule" not in child
    lines = set(client.scheduler_graph().splitlines())
    assert lines == {
        "node,svc parent,fresh,idle",
        "node,other parent,fresh,idle",
        "node,svc child,fresh,idle",
        "link,svc parent,svc child",
        "link,other parent,svc child",
    }


def test_manual_run_job_stat_and_graph_state(client) -> None:
    client.add(paasta_job("svc main"))
    client.run("svc main")
    wait_for(lambda: by_name(client, "svc main")["successCount"] == 1)
    assert "node,svc main,success,idle" in client.scheduler_graph().splitlines()
    stat = client.job_stat("svc main")
    assert stat["histogram"]["count"] == 1
    assert stat["taskStatHistory"][0]["jobName"] == "svc main"
    assert stat["taskStatHistory"][0]["taskId"].startswith("ct:")
    assert stat["taskStatHistory"][0]["taskId"].endswith(":0:svc main:")
    assert [row["jobNameLabel"] for row in client.scheduler_stat_median()] == ["svc main"]


def test_delete_and_delete_tasks(client, devcluster) -> None:
    client.add(paasta_job("svc main"))
    assert client.delete_tasks("svc main") is None
    assert client.delete("svc main") is None
    assert client.list() == []
    response = requests.delete(f"{devcluster.chronos_url}/scheduler/job/svc main", timeout=5)
    assert (response.status_code, response.text) == (400, "requirement failed: Job 'svc main' not found")
    assert requests.delete(f"{devcluster.chronos_url}/scheduler/task/kill/nope", timeout=5).status_code == 500
    with pytest.raises(chronos.ChronosAPIError):
        client.delete("svc main")


def test_v1_aliases_and_small_routes(devcluster) -> None:
    v1 = chronos.connect([devcluster.chronos_url.removeprefix("http://")])
    v1.add(paasta_job("svc main"))
    assert [job["name"] for job in v1.list()] == ["svc main"]
    assert v1.metrics()["gauges"]["jobs.count"] == {"value": 1}
    base = devcluster.chronos_url
    assert requests.get(f"{base}/v1/scheduler/job/svc main", timeout=5).json()["name"] == "svc main"
    assert requests.get(f"{base}/scheduler/job/svc main", timeout=5).status_code == 405
    summary = requests.get(f"{base}/v1/scheduler/jobs/summary", timeout=5).json()
    expected = {"name": "svc main", "status": "fresh", "state": "idle", "schedule": LATER, "parents": []}
    assert summary == {"jobs": [{**expected, "disabled": False}]}
    response = requests.put(f"{base}/scheduler/job/success/svc main", timeout=5)
    assert (response.status_code, response.text) == (200, "marked job svc main as successful: true")
    assert requests.put(f"{base}/scheduler/job/success/nope", timeout=5).text == "marked job nope as successful: false"
    assert requests.get(f"{base}/scheduler/leader", timeout=5).json() == {"leader": base.removeprefix("http://")}
    assert requests.delete(f"{base}/scheduler/task/all", timeout=5).status_code == 204
    assert requests.get(f"{base}/ping", timeout=5).text == "pong\n"
    assert "digraph" in requests.get(f"{base}/scheduler/graph/dot", timeout=5).text
    assert requests.get(f"{base}/scheduler/stats/nonsense", timeout=5).status_code == 404


def post(devcluster, path: str, body: object, method: str = "POST") -> requests.Response:
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {"Content-Type": "application/json"}
    return requests.request(method, f"{devcluster.chronos_url}{path}", data=data, headers=headers, timeout=5)


def test_bad_input_gets_chronos_status_codes_and_the_server_keeps_serving(client, devcluster) -> None:
    client.add(paasta_job("svc parent"))
    cases = [
        ("/scheduler/iso8601", "{not json", 400, None),
        ("/scheduler/iso8601", {"command": "true", "schedule": LATER}, 400, None),
        ("/scheduler/iso8601", paasta_job("bad/name"), 400, "requirement failed: the job's name is invalid."),
        ("/scheduler/iso8601", paasta_job("svc x", schedule="every day"), 400, ""),
        ("/scheduler/iso8601", paasta_job("svc x", schedule="R/2017-01-01T00:00:00Z/PT0S"), 400, ""),
        ("/scheduler/iso8601", {**paasta_job("svc x"), "parents": ["svc parent"]}, 400, None),
        ("/scheduler/iso8601", paasta_job("svc x", container={"image": "i", "network": "OVERLAY"}), 400, None),
        ("/scheduler/dependency", paasta_job("svc x", parents=["nope"]), 400, None),
        ("/scheduler/dependency", paasta_job("svc x", parents=[]), 500, ""),
        ("/scheduler/dependency", paasta_job("svc x"), 400, None),
        ("/scheduler/iso8601", [1, 2], 400, None),
    ]
    for path, body, status, text in cases:
        response = post(devcluster, path, body)
        assert response.status_code == status, (path, body, response.text)
        if text is not None:
            assert response.text.startswith(text), (path, body, response.text)
    response = post(devcluster, "/scheduler/dependency", paasta_job("svc x", parents=["nope"]))
    assert response.text == "requirement failed: Job svc x does not have all parents defined!"
    response = requests.put(f"{devcluster.chronos_url}/scheduler/job/nope", timeout=5)
    assert (response.status_code, response.text) == (400, "requirement failed: Job 'nope' not found")
    assert [job["name"] for job in client.list()] == ["svc parent"]
    with pytest.raises(chronos.ChronosAPIError, match="No remaining Chronos servers to try"):
        client.run("nope")


def test_async_job_completion_callback(client, devcluster) -> None:
    client.add(paasta_job("svc async", **{"async": True}))
    url = f"{devcluster.chronos_url}/scheduler/task/ct:1489573230000:0:svc async:"
    assert requests.put(url, json={"statusCode": 0}, timeout=5).status_code == 204
    assert by_name(client, "svc async")["successCount"] == 1
    assert requests.put(url, data="{}", timeout=5).status_code == 400
    unknown = f"{devcluster.chronos_url}/scheduler/task/ct:1:0:nope:"
    assert requests.put(unknown, json={"statusCode": 0}, timeout=5).text == "requirement failed: Job 'nope' not found"


WRONG_VALUES = [None, True, 0, -5, 2.5, 1e300, "", "text", [], [1], [[1]], [{"a": 1}], {}, {"a": 1}]
FIELDS = [
    "name",
    "command",
    "shell",
    "epsilon",
    "retries",
    "owner",
    "cpus",
    "mem",
    "disabled",
    "fetch",
    "uris",
    "environmentVariables",
    "arguments",
    "container",
    "constraints",
    "schedule",
    "scheduleTimeZone",
    "successCount",
    "lastSuccess",
]


def test_wrongly_typed_fields_never_break_the_server(client, devcluster) -> None:
    for field in FIELDS:
        for value in WRONG_VALUES:
            body = {**paasta_job("svc typed"), field: value}
            response = post(devcluster, "/scheduler/iso8601", body, method="PUT")
            assert response.status_code in (204, 400), (field, value, response.status_code)
    for value in WRONG_VALUES:
        response = post(devcluster, "/scheduler/dependency", paasta_job("svc dep", parents=value))
        # a parents value that is not a list of known jobs: no parents (500) or unknown parents (400)
        assert response.status_code in (400, 500), (value, response.status_code)
    # Jackson reads a non-text name leniently (null -> "null", 1e300 -> "1.0E300")
    names = {"svc typed", "0", "-5", "2.5", "1.0E300", "text", "true", "null"}
    assert {job["name"] for job in client.list()} <= names
    assert requests.get(f"{devcluster.chronos_url}/scheduler/graph/csv", timeout=5).status_code == 200
