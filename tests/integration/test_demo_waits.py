"""The demo's bounded waits against a devcluster: a timeout names what did not become ready."""

from __future__ import annotations

import io
import time

import pytest
import requests

from paasta_tools.demo import ClusterInfo, Demo, DemoError, wait_for_chronos, wait_for_marathon

SHA = "0123456789abcdef0123456789abcdef01234567"


def _demo(tmp_path, running, out: io.StringIO) -> Demo:
    info = ClusterInfo(
        running.marathon_url, running.chronos_url, running.mesos_url, tmp_path / "etc_paasta", "process", None, 1
    )
    return Demo(workdir=tmp_path, out=out, info=info, wait_s=1.5, commit=SHA)


def test_marathon_wait_times_out_naming_unhealthy_and_missing_instances(devcluster_factory, tmp_path) -> None:
    running = devcluster_factory(apis=("marathon", "mesos"))
    app = {
        "id": "/example--service.main.git01234567.configaaaaaaaa",
        "cmd": "sleep 100",
        "instances": 2,
        "cpus": 0.01,
        "mem": 16,
        "portDefinitions": [{"port": 0, "protocol": "tcp"}],
        "healthChecks": [{"protocol": "HTTP", "path": "/status", "portIndex": 0, "gracePeriodSeconds": 0}],
    }
    requests.post(f"{running.marathon_url}/v2/apps", json=app, timeout=5).raise_for_status()
    out = io.StringIO()
    started = time.monotonic()
    with pytest.raises(DemoError) as caught:
        wait_for_marathon(_demo(tmp_path, running, out))
    assert time.monotonic() - started < 15
    message = str(caught.value)
    assert message.startswith("the Marathon instances did not become healthy within 1.5 s: ")
    assert "main: 0/2 tasks healthy in example--service.main.git01234567.configaaaaaaaa" in message
    assert "canary: no app of the new commit yet" in message
    assert "$ deploy_marathon_services -d" in out.getvalue()  # a failing cron run is shown with its output


def test_chronos_wait_times_out_naming_the_jobs_that_did_not_run(devcluster_factory, tmp_path) -> None:
    running = devcluster_factory(apis=("chronos", "mesos"))
    demo = _demo(tmp_path, running, io.StringIO())
    demo.chronos_deployed_at = time.time()
    with pytest.raises(DemoError) as caught:
        wait_for_chronos(demo)
    assert str(caught.value) == (
        "the Chronos jobs did not run within 1.5 s: periodic: not in Chronos; report: not in Chronos"
    )


def test_waits_say_when_the_apis_do_not_answer(tmp_path) -> None:
    from tests.conftest import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    info = ClusterInfo(dead, dead, dead, tmp_path / "etc_paasta", "process", None, 1)
    demo = Demo(workdir=tmp_path, out=io.StringIO(), info=info, wait_s=0.5, commit=SHA, chronos_deployed_at=0.0)
    with pytest.raises(DemoError, match=f"within 0.5 s: Marathon at {dead} does not answer"):
        wait_for_marathon(demo)
    with pytest.raises(DemoError, match=f"did not run within 0.5 s: Chronos at {dead} does not answer"):
        wait_for_chronos(demo)
