"""paasta-deployd against a devcluster, a real ZooKeeper and soa-configs on disk.

The daemon runs in a thread of the test (or as the installed command for the signal test) with a
fast poll and a short bounce-again delay, so each scenario converges in a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from paasta_tools.deployd.leader import contenders
from paasta_tools.deployd.master import DeployDaemon
from paasta_tools.deployd.settings import settings_from_system_config
from paasta_tools.system_config import load_system_paasta_config
from tests.integration.marathon_pipeline.conftest import Pipeline
from tests.support.devcluster import write_devcluster_system_config

INSTANCE = {"cmd": "sleep 300", "instances": 1, "cpus": 0.01, "mem": 32, "disk": 10, "bounce_method": "crossover"}
REPO = Path(__file__).resolve().parents[2]


class RunningDaemon:
    """A DeployDaemon in a thread of the test; ``stop()`` asks it to stop and waits for it."""

    def __init__(self, pipeline: Pipeline, name: str) -> None:
        config = load_system_paasta_config()
        settings = settings_from_system_config(
            config, str(pipeline.soa_dir), poll_interval_s=0.1, bounce_again_s=0.3, identifier=name
        )
        self.daemon = DeployDaemon(config, settings)
        self.stop_event = threading.Event()
        self.outcome: object = None
        self.thread = threading.Thread(target=self._run, name=f"deployd-{name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.outcome = self.daemon.run(self.stop_event)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), "deployd did not stop within 15 s"


@pytest.fixture
def pipeline(devcluster_factory, zookeeper, sensu_listener, tmp_path, monkeypatch) -> Pipeline:
    """A devcluster (no-op tasks), ZooKeeper and a soa dir; PAASTA_SYSTEM_CONFIG_DIR points at its config."""
    from paasta_tools.devcluster.executors.noop import NoopExecutor

    data_dir = tmp_path / "devcluster"
    running = devcluster_factory(executor=NoopExecutor(), apis=("marathon",), data_dir=data_dir)
    config_dir = write_devcluster_system_config(
        tmp_path / "etc_paasta", running, zookeeper_port=zookeeper.port, sensu_port=sensu_listener.port
    )
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(config_dir))
    (tmp_path / "soa").mkdir()
    made = Pipeline(running, tmp_path / "soa", sensu_listener, data_dir / "logs")
    made.zookeeper_url = zookeeper.url(f"/mesos-{running.cluster.settings.cluster}")
    return made


@pytest.fixture
def start_daemon():
    started: list[RunningDaemon] = []

    def start(pipeline: Pipeline, name: str = "deployd-a") -> RunningDaemon:
        daemon = RunningDaemon(pipeline, name)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()


def _app_ids(pipeline: Pipeline, prefix: str = "/svc.main.") -> list[str]:
    return sorted(pipeline.apps(prefix))


def test_deploys_a_new_app_and_redeploys_on_yaml_and_deployments_changes(pipeline, start_daemon, wait_for):
    pipeline.write_service({"main": INSTANCE})
    daemon = start_daemon(pipeline)
    wait_for(daemon.daemon.is_leader.is_set, timeout=20)
    first = wait_for(lambda: _app_ids(pipeline), timeout=15)[0]
    assert first.startswith("/svc.main.gitaaaaaaaa.config")

    pipeline.write_service({"main": {**INSTANCE, "cpus": 0.02}})
    second = wait_for(lambda: [i for i in _app_ids(pipeline) if i != first], timeout=15)[0]
    # the bounce finishes: the old app is drained away by later steps
    wait_for(lambda: _app_ids(pipeline) == [second], timeout=20)

    pipeline.write_service({"main": {**INSTANCE, "cpus": 0.02}}, sha="b" * 40)  # a new deployments.json
    third = wait_for(lambda: [i for i in _app_ids(pipeline) if i != second], timeout=15)[0]
    assert third.startswith("/svc.main.gitbbbbbbbb.")
    wait_for(lambda: _app_ids(pipeline) == [third], timeout=20)


def test_an_unchanged_write_bounces_nothing(pipeline, start_daemon, wait_for):
    pipeline.write_service({"main": INSTANCE})
    daemon = start_daemon(pipeline).daemon
    wait_for(lambda: _app_ids(pipeline), timeout=20)
    wait_for(lambda: not daemon.queue.in_progress() and len(daemon.queue) == 0, timeout=15)
    before = pipeline.faults.writes()
    pipeline.write_service({"main": dict(reversed(list(INSTANCE.items())))})  # same config, new bytes
    _wait_for_a_full_poll(daemon, wait_for)
    assert len(daemon.queue) == 0 and not daemon.queue.in_progress()
    assert pipeline.faults.writes() == before


def _wait_for_a_full_poll(daemon: DeployDaemon, wait_for) -> None:
    """Until a watch round that started after this call has ended (what it queued is in the queue)."""
    seen = daemon.polls
    wait_for(lambda: daemon.polls >= seen + 2, timeout=20)


def test_a_second_daemon_waits_and_takes_over_when_the_leader_stops(pipeline, start_daemon, zookeeper, wait_for):
    pipeline.write_service({"main": INSTANCE})
    first = start_daemon(pipeline, "deployd-a")
    wait_for(first.daemon.is_leader.is_set, timeout=20)
    second = start_daemon(pipeline, "deployd-b")
    old = wait_for(lambda: _app_ids(pipeline), timeout=15)[0]
    wait_for(lambda: len(_contenders(pipeline)) == 2, timeout=15)
    assert _contenders(pipeline) == ["deployd-a", "deployd-b"]
    assert not second.daemon.is_leader.is_set() and len(second.daemon.queue) == 0

    first.stop()
    assert first.outcome.value == "stopped"
    wait_for(second.daemon.is_leader.is_set, timeout=20)
    pipeline.write_service({"main": {**INSTANCE, "mem": 64}})
    wait_for(lambda: [i for i in _app_ids(pipeline) if i != old], timeout=15)
    assert _contenders(pipeline) == ["deployd-b"]


def _leader_and_waiting_daemon(pipeline: Pipeline, start_daemon, wait_for) -> tuple[RunningDaemon, RunningDaemon]:
    pipeline.write_service({"main": INSTANCE})
    first = start_daemon(pipeline, "deployd-a")
    wait_for(first.daemon.is_leader.is_set, timeout=20)
    second = start_daemon(pipeline, "deployd-b")
    wait_for(lambda: len(_contenders(pipeline)) == 2, timeout=15)
    return first, second


def test_a_leader_whose_zookeeper_session_expires_steps_down_and_another_takes_over(pipeline, start_daemon, wait_for):
    first, second = _leader_and_waiting_daemon(pipeline, start_daemon, wait_for)
    _expire_session(pipeline, first.daemon.zk_client)
    first.thread.join(15)
    assert first.outcome.value == "lost"
    wait_for(second.daemon.is_leader.is_set, timeout=20)
    assert _contenders(pipeline) == ["deployd-b"]


def test_a_waiting_daemon_whose_zookeeper_session_expires_quits_without_leading(pipeline, start_daemon, wait_for):
    first, second = _leader_and_waiting_daemon(pipeline, start_daemon, wait_for)
    _expire_session(pipeline, second.daemon.zk_client)
    second.thread.join(15)
    assert second.outcome is not None and second.outcome.value == "lost"
    assert not second.daemon.is_leader.is_set() and second.daemon.reconciler is None  # it never led
    wait_for(lambda: _contenders(pipeline) == ["deployd-a"], timeout=20)
    assert first.daemon.is_leader.is_set()


def _expire_session(pipeline: Pipeline, client: object) -> None:
    """Closing another client that shares the session expires it, as a long partition would."""
    from kazoo.client import KazooClient

    from paasta_tools.clients.zookeeper import kazoo_hosts

    twin = KazooClient(hosts=kazoo_hosts(pipeline.zookeeper_url), client_id=client.client_id)  # type: ignore[attr-defined]
    twin.start(timeout=15)
    twin.stop()
    twin.close()


def _contenders(pipeline: Pipeline) -> list[str]:
    from paasta_tools.clients.zookeeper import zk_connection

    with zk_connection(pipeline.zookeeper_url) as client:
        return contenders(client)


def test_a_broken_service_does_not_stop_another_ones_deploy(pipeline, start_daemon, wait_for):
    pipeline.write_service({"main": INSTANCE}, service="broken")
    (pipeline.soa_dir / "broken" / "marathon-devcluster.yaml").write_text("main: {cpus: [unclosed\n")
    pipeline.write_service({"main": INSTANCE})
    start_daemon(pipeline)
    first = wait_for(lambda: _app_ids(pipeline), timeout=20)[0]
    assert pipeline.apps("/broken.") == {}

    (pipeline.soa_dir / "broken" / "marathon-devcluster.yaml").write_text("main: {instances: [1, 2]}\n")
    pipeline.write_service({"main": {**INSTANCE, "cpus": 0.03}})
    wait_for(lambda: [i for i in _app_ids(pipeline) if i != first], timeout=15)
    assert pipeline.apps("/broken.") == {}

    pipeline.write_service({"main": INSTANCE}, service="broken")  # fixed: deployed within seconds
    wait_for(lambda: pipeline.apps("/broken.main."), timeout=15)


def test_a_system_config_change_bounces_the_instances_it_changes(pipeline, start_daemon, wait_for):
    config_dir = Path(os.environ["PAASTA_SYSTEM_CONFIG_DIR"])
    (config_dir / "deployd.json").write_text(json.dumps({"deployd_big_bounce_rate": 6000}))
    pipeline.write_service({"main": INSTANCE})
    daemon = start_daemon(pipeline).daemon
    first = wait_for(lambda: _app_ids(pipeline), timeout=20)[0]

    (config_dir / "zz-unrelated.json").write_text(json.dumps({"deployd_log_level": "DEBUG"}))
    wait_for(lambda: daemon.system_config.get_deployd_log_level() == "DEBUG", timeout=15)
    _wait_for_a_full_poll(daemon, wait_for)
    assert len(daemon.queue) == 0 and not daemon.queue.in_progress()
    assert _app_ids(pipeline) == [first]

    volume = {"hostPath": "/etc/ssl", "containerPath": "/etc/ssl", "mode": "RO"}
    (config_dir / "zz-volumes.json").write_text(json.dumps({"volumes": [volume]}))
    second = wait_for(lambda: [i for i in _app_ids(pipeline) if i != first], timeout=15)[0]
    app = pipeline.apps()[second]
    assert {"hostPath": "/etc/ssl", "containerPath": "/etc/ssl", "mode": "RO"} in app["container"]["volumes"]
    assert daemon.system_config.get_volumes() == [volume]


def test_an_autoscaler_count_written_to_zookeeper_scales_the_app(pipeline, start_daemon, wait_for):
    from paasta_tools.clients.zookeeper import write_autoscaled_instances, zk_connection

    pipeline.write_service({"main": {**INSTANCE, "min_instances": 1, "max_instances": 5}})
    start_daemon(pipeline)
    app_id = wait_for(lambda: _app_ids(pipeline), timeout=20)[0]
    with zk_connection(pipeline.zookeeper_url) as client:
        write_autoscaled_instances(client, "svc", "main", 3)
        wait_for(lambda: pipeline.apps()[app_id]["instances"] == 3, timeout=15)
        try:
            write_autoscaled_instances(client, "svc", "main", 2)
            wait_for(lambda: pipeline.apps()[app_id]["instances"] == 2, timeout=15)
        finally:
            client.delete("/autoscaling/svc", recursive=True)
    assert _app_ids(pipeline) == [app_id]


def test_the_installed_command_stops_cleanly_on_sigterm(pipeline, wait_for):
    pipeline.write_service({"main": INSTANCE})
    command = [str(Path(sys.executable).parent / "paasta-deployd"), "-d", str(pipeline.soa_dir)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        wait_for(lambda: _app_ids(pipeline), timeout=30)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "This node is elected as leader" in stderr
    assert "svc.main has a new marathon app ID, and so needs bouncing" in stderr
    assert _contenders(pipeline) == []


def test_the_installed_command_without_system_config_exits_1(tmp_path):
    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(tmp_path / "missing")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "paasta-deployd")], capture_output=True, text=True, env=env, timeout=30
    )
    assert result.returncode == 1
    assert "Could not find system paasta configuration directory" in result.stderr
    assert "Traceback" not in result.stderr


class RecordingClient:
    """A kazoo client that remembers which nodes' data were read through it."""

    def __init__(self, client: object) -> None:
        self._client = client
        self.read: list[str] = []
        self.listed: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    def get(self, path: str, watch: object = None) -> object:
        self.read.append(path)
        return self._client.get(path, watch)  # type: ignore[attr-defined]

    def get_async(self, path: str, watch: object = None) -> object:
        self.read.append(path)
        return self._client.get_async(path, watch)  # type: ignore[attr-defined]

    def get_children(self, path: str, watch: object = None) -> object:
        self.listed.append(path)
        return self._client.get_children(path, watch)  # type: ignore[attr-defined]


def test_the_autoscaler_watcher_queues_count_writes_and_never_reads_the_state_nodes(zookeeper, wait_for):
    import uuid

    from paasta_tools.clients.zookeeper import write_autoscaled_instances, write_node, zk_connection
    from paasta_tools.deployd.autoscaler_watch import AutoscalerWatcher

    queued: list[tuple[str, str]] = []
    with zk_connection(zookeeper.url(f"/deployd-watch-{uuid.uuid4().hex}")) as client:
        write_autoscaled_instances(client, "svc", "old", 2)  # there before the start: no change
        write_node(client, "/autoscaling/svc/old/historical_load", b"\0" * 16)
        recording = RecordingClient(client)
        watcher = AutoscalerWatcher(recording, lambda service, instance: queued.append((service, instance)))
        watcher.start()
        try:
            wait_for(lambda: watcher.initialized, timeout=15)
            # the proportional policy's history may reach a megabyte: the daemon must not fetch it
            write_node(client, "/autoscaling/svc/old/historical_load", b"\1" * 16)
            write_autoscaled_instances(client, "svc", "old", 3)
            write_autoscaled_instances(client, "other", "new", 1)  # autoscaled for the first time
            wait_for(lambda: {("svc", "old"), ("other", "new")} <= set(queued), timeout=15)
        finally:
            watcher.stop()
    assert set(queued) == {("svc", "old"), ("other", "new")}
    assert [path for path in recording.read if not path.endswith("/instances")] == []
    assert recording.listed.count("/autoscaling/svc") == 1  # a new service adds no second watch on the others


def test_a_count_written_while_the_startup_reads_the_configs_is_not_missed(pipeline, wait_for):
    from paasta_tools.clients.zookeeper import write_autoscaled_instances, zk_connection
    from paasta_tools.operations.marathon_reconcile import Reconciler

    autoscaled = {**INSTANCE, "min_instances": 1, "max_instances": 5}
    pipeline.write_service({"a": autoscaled, "b": autoscaled})  # the sweep reaches b only after 10 minutes
    with zk_connection(pipeline.zookeeper_url) as client:
        for name in ("a", "b"):
            write_autoscaled_instances(client, "svc", name, 2)
    assert pipeline.setup("svc.a", "svc.b") == 0  # both steady: the startup oracle queues neither
    written: list[bool] = []

    def reconciler_factory() -> Reconciler:
        reconciler = Reconciler(daemon.system_config, str(pipeline.soa_dir))
        read = reconciler.locks.autoscaled_instances

        def read_then_autoscale(service: str, instance: str) -> int | None:
            count = read(service, instance)
            if (service, instance) == ("svc", "b") and not written:  # the autoscaler writes meanwhile
                write_autoscaled_instances(reconciler.locks.client, "svc", "b", 3)
                written.append(True)
            return count

        reconciler.locks.autoscaled_instances = read_then_autoscale  # type: ignore[method-assign]
        return reconciler

    config = load_system_paasta_config()
    settings = settings_from_system_config(
        config, str(pipeline.soa_dir), poll_interval_s=0.1, bounce_again_s=0.3, identifier="deployd-a"
    )
    daemon = DeployDaemon(config, settings, reconciler_factory=reconciler_factory)
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(stop,), name="deployd-startup-count", daemon=True)
    thread.start()
    try:
        wait_for(lambda: written, timeout=20)
        wait_for(lambda: [app["instances"] for app in pipeline.apps("/svc.b.").values()] == [3], timeout=15)
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()
