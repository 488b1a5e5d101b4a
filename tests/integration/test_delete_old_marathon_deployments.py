"""delete_old_marathon_deployments against the devcluster's Marathon: a deployment stuck longer than the
age is cancelled (its app rolled back); younger ones and dry runs leave everything alone."""

from __future__ import annotations

import time

import pytest
import requests

from paasta_tools.scripts.delete_old_marathon_deployments import main
from tests.support.devcluster import write_devcluster_system_config


@pytest.fixture
def running(devcluster_factory, tmp_path, monkeypatch):
    running = devcluster_factory(apis=("marathon", "mesos"))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(write_devcluster_system_config(tmp_path / "etc", running)))
    return running


def deployments(running) -> list[dict]:
    return requests.get(f"{running.marathon_url}/v2/deployments", timeout=5).json()


def test_a_stuck_deployment_older_than_the_age_is_cancelled(running, capsys, wait_for) -> None:
    app = {"id": "/stuck", "cmd": "sleep 600", "instances": 1, "cpus": 1000, "mem": 16}  # no agent fits it
    requests.post(f"{running.marathon_url}/v2/apps", json=app, timeout=5).raise_for_status()
    (stuck,) = deployments(running)

    assert main(["-a", "1h"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["-n", "--age", "1h"]) == 0
    assert capsys.readouterr().out.startswith(f"NOT deleting {stuck['id']} for /stuck as it is 0:00:0")
    time.sleep(1.2)
    assert main(["-n", "-a", "1s"]) == 0
    assert capsys.readouterr().out.startswith(f"Would delete {stuck['id']} for /stuck as it is 0:00:0")
    assert [d["id"] for d in deployments(running)] == [stuck["id"]]

    assert main(["-a", "1s"]) == 0
    assert capsys.readouterr().out.startswith(f"Deleting {stuck['id']} for /stuck as it is 0:00:0")
    wait_for(lambda: stuck["id"] not in [d["id"] for d in deployments(running)], timeout=10)
    # Without force Marathon rolls back: the app that was being created goes away.
    wait_for(lambda: requests.get(f"{running.marathon_url}/v2/apps/stuck", timeout=5).status_code == 404, timeout=10)


def test_a_bad_age_is_a_usage_error(running, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["-a", "soon"])
    assert exit_info.value.code == 2
    assert "argument -a/--age: not a duration: 'soon'" in capsys.readouterr().err
