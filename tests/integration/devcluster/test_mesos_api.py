"""The Mesos master API over real HTTP, with Marathon tasks run as real processes."""

from __future__ import annotations

import os

import pytest
import requests

from paasta_tools.devcluster.server import RunningDevcluster


@pytest.fixture
def devcluster(devcluster_factory) -> RunningDevcluster:
    return devcluster_factory(executor="process", cluster="mesos-test")


def get(devcluster: RunningDevcluster, path: str, **kwargs) -> requests.Response:
    return requests.get(devcluster.mesos_url + path, timeout=5, allow_redirects=False, **kwargs)


def marathon_tasks(devcluster: RunningDevcluster) -> list[dict]:
    (framework,) = [f for f in get(devcluster, "/master/state").json()["frameworks"] if f["name"] == "marathon"]
    return [task for task in framework["tasks"] if task["state"] == "TASK_RUNNING"]


def test_state_lists_marathon_tasks_and_their_resources(devcluster, wait_for) -> None:
    app = {"id": "/web", "cmd": "sleep 60", "instances": 2, "cpus": 0.25, "mem": 64}
    assert requests.post(devcluster.marathon_url + "/v2/apps", json=app, timeout=5).status_code == 201
    tasks = wait_for(lambda: len(marathon_tasks(devcluster)) == 2 and marathon_tasks(devcluster))
    agent_id = devcluster.cluster.agent.agent_id
    assert {task["slave_id"] for task in tasks} == {agent_id}
    state = get(devcluster, "/master/state").json()
    assert state["cluster"] == "mesos-test"
    (slave,) = state["slaves"]
    assert slave["id"] == agent_id
    assert slave["resources"]["cpus"] == float(os.cpu_count())
    assert slave["used_resources"]["cpus"] == 0.5 and slave["used_resources"]["mem"] == 128.0
    metrics = get(devcluster, "/metrics/snapshot").json()
    assert metrics["master/tasks_running"] == 2.0
    assert metrics["master/cpus_used"] == 0.5
    assert metrics["master/mem_total"] == slave["resources"]["mem"]


def test_state_aliases_slaves_and_frameworks(devcluster) -> None:
    state = get(devcluster, "/master/state").json()
    assert get(devcluster, "/state.json").json()["id"] == state["id"]
    assert get(devcluster, "/master/state.json").json()["slaves"] == state["slaves"]
    assert get(devcluster, "/master/slaves").json()["slaves"][0]["attributes"] == {
        "region": "devregion",
        "pool": "default",
    }
    names = {f["name"] for f in get(devcluster, "/master/frameworks").json()["frameworks"]}
    assert names == {"marathon", "chronos"}
    assert {f["name"]: f["webui_url"] for f in state["frameworks"]}["marathon"] == devcluster.marathon_url


def test_master_id_survives_a_restart(devcluster_factory, tmp_path) -> None:
    first = devcluster_factory(apis=("mesos",), data_dir=tmp_path / "dc")
    master_id = get(first, "/master/state").json()["id"]
    first.stop()
    second = devcluster_factory(apis=("mesos",), data_dir=tmp_path / "dc")
    assert get(second, "/master/state").json()["id"] == master_id


def test_redirect_health_jsonp_and_bad_parameters(devcluster) -> None:
    redirect = get(devcluster, "/master/redirect")
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == "//" + devcluster.mesos_url.removeprefix("http://")
    assert get(devcluster, "/health").status_code == 200
    jsonp = get(devcluster, "/master/slaves", params={"jsonp": "cb"})
    assert jsonp.text.startswith("cb({") and jsonp.text.endswith(");")
    bad = get(devcluster, "/master/tasks", params={"limit": "ten"})
    assert (bad.status_code, bad.text) == (400, "Failed to parse limit: Failed to convert 'ten' to number")
    assert get(devcluster, "/master/tasks", params={"limit": "1"}).json()["tasks"] == []
    assert get(devcluster, "/no/such/endpoint").status_code == 404


def _agent_executors(devcluster: RunningDevcluster) -> list[dict]:
    state = get(devcluster, "/slave(1)/state").json()
    return [executor for framework in state["frameworks"] for executor in framework["executors"]]


def test_agent_state_and_files_serve_task_sandboxes(devcluster, wait_for) -> None:
    app = {"id": "/talker", "cmd": "echo hello-out; echo hello-err >&2; sleep 60", "instances": 1}
    assert requests.post(devcluster.marathon_url + "/v2/apps", json=app, timeout=5).status_code == 201
    (executor,) = wait_for(lambda: _agent_executors(devcluster))
    slave = get(devcluster, "/master/slaves").json()["slaves"][0]
    assert slave["pid"] == "slave(1)@" + devcluster.mesos_url.removeprefix("http://")
    assert executor["tasks"][0]["id"] == executor["id"]
    stdout = executor["directory"] + "/stdout"

    def read(**params) -> dict:
        return get(devcluster, "/files/read", params={"path": stdout, **params}).json()

    wait_for(lambda: read(offset=-1)["offset"] > 0)
    assert read(offset=0) == {"data": "hello-out\n", "offset": 0}
    assert read(offset=6, length=3) == {"data": "out", "offset": 6}
    assert read(offset=10**30) == {"data": "", "offset": 10**30}
    assert read(offset=0, length=10**30)["data"] == "hello-out\n"
    listing = get(devcluster, "/files/browse.json", params={"path": executor["directory"]}).json()
    assert {"stdout", "stderr"} <= {entry["path"].rsplit("/", 1)[-1] for entry in listing}
    download = get(devcluster, "/files/download", params={"path": executor["directory"] + "/stderr"})
    assert download.text == "hello-err\n"


def test_files_api_serves_nothing_outside_sandboxes(devcluster) -> None:
    assert get(devcluster, "/files/read", params={"path": "/etc/passwd", "offset": 0}).status_code == 404
    sneaky = str(devcluster.cluster.settings.data_dir) + "/sandboxes/../state.sqlite"
    assert get(devcluster, "/files/read", params={"path": sneaky, "offset": 0}).status_code == 404
    missing = get(devcluster, "/files/read")
    assert (missing.status_code, missing.text) == (400, "Expecting 'path' to be passed")
    assert get(devcluster, "/files/read", params={"path": "/x", "offset": "-5"}).status_code == 400
    assert get(devcluster, "/files/read", params={"path": "/x\x00y"}).status_code == 404


def test_a_busy_port_fails_the_start_and_frees_the_other_ports(devcluster_factory) -> None:
    import socket

    from tests.conftest import free_port

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        mesos_port = free_port()
        with pytest.raises(OSError):
            devcluster_factory(apis=("mesos", "chronos"), mesos_port=mesos_port, chronos_port=busy.getsockname()[1])
    with socket.socket() as again:
        again.bind(("127.0.0.1", mesos_port))


@pytest.mark.docker
def test_agent_names_docker_containers_and_serves_their_output(devcluster_factory, docker_engine, wait_for) -> None:
    running = devcluster_factory(executor="docker")
    app = {
        "id": "/boxed-talker",
        "cmd": "echo from-the-box; sleep 60",
        "instances": 1,
        "container": {"type": "DOCKER", "docker": {"image": "busybox:latest", "network": "BRIDGE"}},
    }
    assert requests.post(running.marathon_url + "/v2/apps", json=app, timeout=5).status_code == 201

    def running_executors() -> list[dict]:
        return [e for e in _agent_executors(running) if e["tasks"][0]["state"] == "TASK_RUNNING"]

    (executor,) = wait_for(running_executors, timeout=20)
    slave_id = get(running, "/master/slaves").json()["slaves"][0]["id"]
    container = docker_engine.containers.get(f"mesos-{slave_id}.{executor['container']}")
    assert container.labels["paasta.devcluster.task_id"] == executor["id"]

    def stdout() -> str:
        params = {"path": executor["directory"] + "/stdout", "offset": 0}
        return get(running, "/files/read", params=params).json()["data"]

    assert wait_for(lambda: stdout() == "from-the-box\n")


def test_monitor_statistics_measure_a_process_task(devcluster, wait_for) -> None:
    import sys

    burn = "x = bytearray(40 * 1024 * 1024); sum(range(3 * 10**6)); import time; time.sleep(60)"
    app = {"id": "/burner", "cmd": f"{sys.executable} -c '{burn}'", "instances": 1, "cpus": 0.5, "mem": 256}
    assert requests.post(devcluster.marathon_url + "/v2/apps", json=app, timeout=5).status_code == 201

    def measured() -> dict | None:
        entries = get(devcluster, "/monitor/statistics.json").json()
        stats = entries[0]["statistics"] if entries else {}
        return stats if stats.get("mem_rss_bytes", 0) > 40 * 1024 * 1024 else None

    stats = wait_for(measured, timeout=15)
    assert stats["cpus_limit"] == 0.6 and stats["mem_limit_bytes"] == (256 + 32) * 1024 * 1024  # + the executor
    assert stats["cpus_user_time_secs"] > 0
    (entry,) = get(devcluster, "/monitor/statistics").json()
    assert entry["executor_id"].startswith("burner.")


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/master/tasks", {"limit": "-1"}),
        ("/master/tasks", {"offset": "1e3"}),
        ("/master/tasks", {"order": "sideways"}),
        ("/files/read", {"path": "", "offset": "0"}),
        ("/files/read", {"path": "relative/path", "length": "x"}),
        ("/files/browse", {"path": "/"}),
        ("/files/download", {"path": "/etc/shadow"}),
        ("/master/state", {"jsonp": ""}),
        ("/monitor/statistics", {"x": "\x00"}),
    ],
)
def test_bad_parameters_never_break_the_server(devcluster, path, params) -> None:
    response = get(devcluster, path, params=params)
    assert response.status_code < 500
    assert get(devcluster, "/health").status_code == 200
