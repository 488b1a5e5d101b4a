"""autoscale_all_services against a devcluster (tasks are local processes) and a real ZooKeeper.

Instances are deployed through deploy_marathon_services; a task that burns CPU makes its count go
up, an idle one makes it go down (two runs: mesos_cpu needs two samples); deploy_marathon_services
then scales the app to the stored count.  The http provider reads a tiny server in the task.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from paasta_tools.autoscaling.forecasting import deserialize_historical_load
from paasta_tools.clients import marathon_client
from paasta_tools.clients import zookeeper as zk
from paasta_tools.devcluster.executors.process import ProcessExecutor
from paasta_tools.scripts import autoscale_all_services, deploy_marathon_services
from tests.support.devcluster import write_devcluster_system_config

SHA = "b" * 40
# about half a core on 0.2 cpus: the agent reports cpus_limit 0.3 (with the executor's 0.1), the autoscaler
# takes the 0.1 off again: 0.5 / 0.2 = 2.5 of the limit, far above the 0.8 setpoint even on a busy machine
BUSY = (
    f"{sys.executable} -c 'import time\n"
    "while True:\n"
    "    start = time.time()\n"
    "    while time.time() - start < 0.05: pass\n"
    "    time.sleep(0.05)'"
)
IDLE = "sleep 600"
HTTP_SERVER = (
    f"{sys.executable} -c 'import http.server, json, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    '        body = json.dumps({"utilization": 0.95} if self.path == "/load" else {}).encode()\n'
    "        self.send_response(200); self.end_headers(); self.wfile.write(body)\n"
    'http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT0"])), H).serve_forever()\''
)


class Cluster:
    def __init__(self, running: Any, soa_dir: Path, zookeeper_url: str, log_dir: Path) -> None:
        self.running = running
        self.soa_dir = soa_dir
        self.zookeeper_url = zookeeper_url
        self.log_dir = log_dir
        self.client = marathon_client.get_marathon_client(running.marathon_url)

    def write_service(
        self, instances: dict[str, dict[str, Any]], service: str = "svc", stopped: tuple[str, ...] = ()
    ) -> None:
        directory = self.soa_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "service.yaml").write_text(yaml.safe_dump({"description": "autoscaled"}))
        (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump(instances))
        v1 = {
            f"{service}:paasta-devcluster.{name}": {
                "docker_image": f"services-{service}:paasta-{SHA}",
                "desired_state": "stop" if name in stopped else "start",
                "force_bounce": None,
            }
            for name in instances
            if name != "undeployed"
        }
        (directory / "deployments.json").write_text(json.dumps({"v1": v1}))

    def count(self, instance: str, service: str = "svc") -> int | None:
        with zk.zk_connection(self.zookeeper_url) as client:
            return zk.read_autoscaled_instances(client, service, instance)

    def store(self, instance: str, count: int, service: str = "svc") -> None:
        with zk.zk_connection(self.zookeeper_url) as client:
            zk.write_autoscaled_instances(client, service, instance, count)

    def deploy(self) -> None:
        assert deploy_marathon_services.main(["-d", str(self.soa_dir)]) == 0

    def app(self, instance: str, service: str = "svc") -> Any:
        apps = [
            a
            for a in marathon_client.list_apps(self.client, embed_tasks=True)
            if a.id.startswith(f"/{service}.{instance}.")
        ]
        return apps[0] if len(apps) == 1 else None

    def running_tasks(self, instance: str) -> int:
        app = self.app(instance)
        return sum(1 for t in app.tasks if t.state == "TASK_RUNNING") if app else 0

    def autoscale(self) -> int:
        return autoscale_all_services.main(["-d", str(self.soa_dir)])

    def deploy_log(self, service: str = "svc") -> list[dict[str, Any]]:
        lines = []
        for path in sorted(self.log_dir.rglob("*")):
            if path.is_file() and service in path.name:
                lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [line for line in lines if line["component"] == "deploy"]


@pytest.fixture
def cluster(devcluster_factory, zookeeper, tmp_path, monkeypatch) -> Cluster:
    data_dir = tmp_path / "devcluster"
    running = devcluster_factory(executor=ProcessExecutor(data_dir), apis=("marathon", "mesos"), data_dir=data_dir)
    config_dir = write_devcluster_system_config(tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(config_dir))
    soa_dir = tmp_path / "soa"
    soa_dir.mkdir()
    zookeeper_url = zookeeper.url(f"/mesos-{running.cluster.settings.cluster}")
    return Cluster(running, soa_dir, zookeeper_url, data_dir / "logs")


def _instance(cmd: str, min_instances: int, max_instances: int, **extra: Any) -> dict[str, Any]:
    return {"cmd": cmd, "cpus": 0.2, "mem": 32, "disk": 10, "min_instances": min_instances,
            "max_instances": max_instances, **extra}  # fmt: skip


def test_busy_tasks_scale_up_idle_tasks_scale_down_and_the_deploy_follows(cluster: Cluster, wait_for) -> None:
    cluster.write_service({"busy": _instance(BUSY, 1, 3), "idle": _instance(IDLE, 1, 4)})
    cluster.store("busy", 1)
    cluster.store("idle", 3)
    cluster.deploy()
    wait_for(lambda: cluster.running_tasks("busy") == 1 and cluster.running_tasks("idle") == 3, timeout=20)

    assert cluster.autoscale() == 0  # first mesos_cpu sample: nothing to compare with yet
    assert (cluster.count("busy"), cluster.count("idle")) == (1, 3)
    first_run = [line["message"] for line in cluster.deploy_log()]
    assert any("This is expected for its first run." in m for m in first_run)
    time.sleep(1.5)
    assert cluster.autoscale() == 0

    # busy: error 2.5 - 0.8 = 1.7; pid's first integral saturates at max - current: 1 -> 3 (max_instances)
    assert cluster.count("busy") == 3
    # idle: error 0 - 0.8 * 2/3; pid asks for -2, the 30% rule keeps int(3 * 0.7) = 2
    assert cluster.count("idle") == 2
    events = [(line["instance"], line["message"]) for line in cluster.deploy_log() if line["level"] == "event"]
    (scaled,) = [m for i, m in events if i == "busy" and m.startswith("Scaling")]
    match = re.fullmatch(r"Scaling from 1 to 3 instances \((\d+)% overutilized\)", scaled)
    assert match and 10 <= int(match[1]) <= 200, scaled  # about half a core on 0.2: ~170%
    assert ("idle", "Scaling from 3 to 2 instances (53% underutilized)") in events
    with zk.zk_connection(cluster.zookeeper_url) as client:
        for name in ("cpu_data", "cpu_last_time", "pid_iterm", "pid_last_error", "pid_last_time"):
            assert zk.read_node(client, f"/autoscaling/svc/busy/{name}") is not None

    cluster.deploy()
    wait_for(lambda: cluster.app("busy").instances == 3 and cluster.app("idle").instances == 2, timeout=10)


def test_http_provider_reads_each_task_and_threshold_steps_up(cluster: Cluster, wait_for) -> None:
    autoscaling = {"metrics_provider": "http", "decision_policy": "threshold", "endpoint": "/load"}
    cluster.write_service({"web": _instance(HTTP_SERVER, 1, 5, autoscaling=autoscaling)})
    cluster.store("web", 2)
    cluster.deploy()
    wait_for(lambda: cluster.running_tasks("web") == 2, timeout=20)
    app = cluster.app("web")
    wait_for(lambda: all(_answers(task) for task in app.tasks), timeout=10)

    assert cluster.autoscale() == 0
    assert cluster.count("web") == 3  # 0.95 > 0.8: one step of max(1, 10% of 2)
    messages = [line["message"] for line in cluster.deploy_log()]
    assert "Scaling from 2 to 3 instances (15% overutilized)" in messages
    cluster.deploy()
    wait_for(lambda: cluster.app("web").instances == 3, timeout=10)


def _answers(task: Any) -> bool:
    import requests

    try:
        return requests.get(f"http://{task.host}:{task.ports[0]}/load", timeout=1).ok
    except requests.RequestException:
        return False


def test_a_held_lock_skips_the_run_and_only_deployed_started_autoscaled_instances_count(cluster: Cluster) -> None:
    cluster.write_service(
        {
            "own": _instance(IDLE, 1, 4, autoscaling={"decision_policy": "bespoke"}),
            "fixed": {"cmd": IDLE, "instances": 1, "cpus": 0.5, "mem": 32},
            "stopped": _instance(IDLE, 1, 4, autoscaling={"decision_policy": "guess"}),
            "undeployed": _instance(IDLE, 1, 4, autoscaling={"decision_policy": "guess"}),
            "broken": _instance(IDLE, 1, 4, autoscaling={"decision_policy": "guess"}),
        },
        stopped=("stopped",),
    )
    cluster.store("own", 2)
    with zk.zk_connection(cluster.zookeeper_url) as client, zk.autoscaling_lock(client):
        assert cluster.autoscale() == 0
    assert cluster.deploy_log() == []

    assert cluster.autoscale() == 1  # the broken instance fails, the others are untouched
    assert cluster.count("own") == 2
    assert [cluster.count(name) for name in ("fixed", "stopped", "undeployed", "broken")] == [None] * 4
    (line,) = cluster.deploy_log()
    assert line["instance"] == "broken" and line["level"] == "event"
    assert line["message"] == (
        "Caught Exception svc.broken in marathon-devcluster.yaml: autoscaling.decision_policy 'guess' "
        "is not one of bespoke, pid, proportional, threshold"
    )


def test_proportional_policy_keeps_its_load_history_in_zookeeper(cluster: Cluster, wait_for) -> None:
    autoscaling = {"metrics_provider": "http", "decision_policy": "proportional", "endpoint": "load", "setpoint": 0.5}
    cluster.write_service({"web": _instance(HTTP_SERVER, 1, 5, autoscaling=autoscaling)})
    cluster.store("web", 2)
    cluster.deploy()
    wait_for(lambda: cluster.running_tasks("web") == 2, timeout=20)
    wait_for(lambda: all(_answers(task) for task in cluster.app("web").tasks), timeout=10)

    assert cluster.autoscale() == 0
    assert cluster.count("web") == 4  # load 0.95 * 2 = 1.9; 1.9 / 0.5 = 3.8 -> 4
    with zk.zk_connection(cluster.zookeeper_url) as client:
        history = deserialize_historical_load(zk.read_node(client, "/autoscaling/svc/web/historical_load"))
    assert [load for _, load in history] == [pytest.approx(1.9)]
    assert abs(history[0][0] - time.time()) < 60
