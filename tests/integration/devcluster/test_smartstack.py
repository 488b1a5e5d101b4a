"""SmartStack on the devcluster: a real HAProxy kept in step with Marathon tasks, checked through hacheck."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
import yaml

from paasta_tools.clients.drain_methods import parse_spool_body
from paasta_tools.clients.haproxy import get_backends
from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy
from paasta_tools.devcluster.smartstack.synapse import SmartStackSettings, start_smartstack_in_thread
from paasta_tools.devcluster.system_config import smartstack_document
from tests.conftest import free_port
from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE, make_pipeline  # noqa: F401

pytestmark = pytest.mark.skipif(missing_haproxy() is not None, reason=str(missing_haproxy()))


class SmartStackPipeline:
    """A Marathon pipeline whose devcluster runs SmartStack; ``statuses()`` reads its synapse."""

    def __init__(self, pipeline, handle, settings: SmartStackSettings, proxy_port: int) -> None:
        self.pipeline = pipeline
        self.handle = handle
        self.settings = settings
        self.proxy_port = proxy_port

    def write_smartstack(self, namespaces: dict | None = None) -> None:
        directory = self.pipeline.soa_dir / "svc"
        directory.mkdir(parents=True, exist_ok=True)
        default = {"main": {"proxy_port": self.proxy_port, "healthcheck_uri": "/"}}
        (directory / "smartstack.yaml").write_text(yaml.safe_dump(namespaces or default))

    def statuses(self, name: str = "svc.main") -> dict[int | None, str]:
        backends = get_backends([name], "127.0.0.1", self.settings.synapse_port)
        return {b.port: b.status for b in backends}

    def up_count(self, name: str = "svc.main") -> int:
        return sum(1 for status in self.statuses(name).values() if status.startswith("UP"))


def _settings(tmp_path, soa_dir, marathon_url: str) -> SmartStackSettings:
    return SmartStackSettings(
        soa_dir=soa_dir,
        cluster="devcluster",
        marathon_url=marathon_url,
        work_dir=tmp_path / "smartstack",
        synapse_port=free_port(),
        hacheck_port=free_port(),
        interval=0.2,
        check_interval_ms=200,
    )


def _write_smartstack_json(config_dir, settings: SmartStackSettings) -> None:
    document = smartstack_document(settings.synapse_port, settings.hacheck_port)
    (config_dir / "smartstack.json").write_text(json.dumps(document))


@pytest.fixture
def smartstack_pipeline(make_pipeline, tmp_path):  # noqa: F811 - the imported fixture
    pipeline = make_pipeline()
    settings = _settings(tmp_path, pipeline.soa_dir, pipeline.url)
    handle = start_smartstack_in_thread(settings)
    _write_smartstack_json(tmp_path / "etc_paasta", settings)
    yield SmartStackPipeline(pipeline, handle, settings, free_port())
    handle.stop()


def test_a_task_becomes_up_and_takes_traffic_through_the_proxy_port(smartstack_pipeline, wait_for) -> None:
    stack = smartstack_pipeline
    stack.write_smartstack()
    stack.pipeline.write_service({"main": {**HEALTHY_INSTANCE, "instances": 1}})
    stack.pipeline.bounce_until("svc.main", lambda: stack.pipeline.converged(1))
    task = stack.pipeline.only_app()["tasks"][0]
    wait_for(lambda: stack.statuses().get(task["ports"][0]) == "UP")
    (backend,) = get_backends(["svc.main"], "127.0.0.1", stack.settings.synapse_port)
    assert backend.svname == f"127.0.0.1:{task['ports'][0]}_127.0.0.1"
    response = requests.get(f"http://127.0.0.1:{stack.proxy_port}/", timeout=5)
    assert response.status_code == 200
    assert "Directory listing" in response.text


def test_a_proxy_port_another_program_holds_does_not_stop_the_other_namespaces(smartstack_pipeline, wait_for) -> None:
    import socket

    stack = smartstack_pipeline
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen(1)
        busy = squatter.getsockname()[1]
        stack.write_smartstack(
            {"main": {"proxy_port": stack.proxy_port, "healthcheck_uri": "/"}, "other": {"proxy_port": busy}}
        )
        stack.pipeline.write_service({"main": {**HEALTHY_INSTANCE, "instances": 1}})
        stack.pipeline.bounce_until("svc.main", lambda: stack.pipeline.converged(1))
        wait_for(lambda: list(stack.statuses().values()) == ["UP"])
        assert requests.get(f"http://127.0.0.1:{stack.proxy_port}/", timeout=5).status_code == 200
        csv = requests.get(f"http://127.0.0.1:{stack.settings.synapse_port}/;csv;norefresh", timeout=5).text
        assert "svc.other,BACKEND," in csv and "svc.other,FRONTEND," not in csv


class Timeline:
    """Samples HAProxy's view of svc.main and Marathon's task ports every 50 ms in a thread."""

    def __init__(self, stack: SmartStackPipeline) -> None:
        self.stack = stack
        self.samples: list[tuple[float, dict[int | None, str], set[int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            statuses = self.stack.statuses()
            ports = {t["ports"][0] for app in self.stack.pipeline.apps().values() for t in app.get("tasks", [])}
            self.samples.append((time.time(), statuses, ports))
            self._stop.wait(0.05)

    def up_counts(self) -> list[int]:
        return [sum(1 for s in statuses.values() if s.startswith("UP")) for _, statuses, _ in self.samples]

    def first(self, condition) -> float | None:
        return next((at for at, statuses, ports in self.samples if condition(statuses, ports)), None)

    def __enter__(self) -> Timeline:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _smartstack_instance(stack: SmartStackPipeline, delay: float) -> dict:
    return {
        **HEALTHY_INSTANCE,
        "drain_method_params": {"delay": delay, "hacheck_port": stack.settings.hacheck_port},
    }


def _deployed_and_up(stack: SmartStackPipeline, config: dict, wait_for) -> dict:
    stack.write_smartstack()
    stack.pipeline.write_service({"main": config})
    stack.pipeline.bounce_until("svc.main", lambda: stack.pipeline.converged(config["instances"]))
    wait_for(lambda: stack.up_count() == config["instances"])
    return stack.pipeline.only_app()


def test_crossover_bounce_keeps_the_instance_count_up_in_haproxy(smartstack_pipeline, wait_for) -> None:
    stack = smartstack_pipeline
    config = _smartstack_instance(stack, delay=1)
    old_app = _deployed_and_up(stack, config, wait_for)
    stack.pipeline.write_service({"main": {**config, "env": {"VERSION": "2"}}})
    with Timeline(stack) as timeline:
        stack.pipeline.bounce_until(
            "svc.main", lambda: stack.pipeline.converged(2) and stack.pipeline.only_app()["id"] != old_app["id"]
        )
        new_ports = {t["ports"][0] for t in stack.pipeline.only_app()["tasks"]}
        wait_for(lambda: stack.statuses() == {port: "UP" for port in new_ports})
    counts = timeline.up_counts()
    assert len(counts) > 10 and min(counts) >= 2, counts
    messages = [line["message"] for line in stack.pipeline.deploy_log()]
    assert any(m.startswith("crossover bounce on svc.main finishing") for m in messages), messages


def test_a_drained_task_goes_down_in_haproxy_and_is_killed_after_the_delay(smartstack_pipeline, wait_for) -> None:
    stack = smartstack_pipeline
    delay = 2.0
    config = {**_smartstack_instance(stack, delay=delay), "instances": 1}
    old_app = _deployed_and_up(stack, config, wait_for)
    old_port = old_app["tasks"][0]["ports"][0]
    stack.pipeline.write_service({"main": {**config, "env": {"VERSION": "2"}}})
    with Timeline(stack) as timeline:
        stack.pipeline.bounce_until(
            "svc.main", lambda: stack.pipeline.converged(1) and stack.pipeline.only_app()["id"] != old_app["id"]
        )
        wait_for(lambda: old_port not in stack.statuses())
    went_down = timeline.first(lambda statuses, ports: statuses.get(old_port) == "DOWN")
    killed = timeline.first(lambda statuses, ports: old_port not in ports)
    assert went_down is not None and killed is not None and went_down < killed
    spool = requests.get(f"http://127.0.0.1:{stack.settings.hacheck_port}/spool/svc.main/{old_port}/status", timeout=5)
    drained_at = parse_spool_body(spool.text)["since"]  # the drain's start, kept until the spool expires
    # samples are only ever late, so a kill seen less than the delay after the drain began is a real one
    assert killed - drained_at >= delay, (drained_at, went_down, killed)


def test_the_replication_check_counts_up_backends_in_the_devcluster_synapse(
    tmp_path, devcluster_factory, sensu_listener, monkeypatch, wait_for
) -> None:
    from paasta_tools.clients import marathon_client
    from paasta_tools.scripts import check_marathon_services_replication as script
    from tests.integration.status.helpers import deploy, running_tasks, system_config_dir, write_service

    running = devcluster_factory(executor="process", apis=("marathon", "mesos"))
    soa = tmp_path / "soa"
    instance = {**HEALTHY_INSTANCE, "replication_threshold": 60}
    smartstack = {"main": {"proxy_port": free_port(), "healthcheck_uri": "/"}}
    write_service(soa, "svc", {"main": instance}, smartstack=smartstack)
    settings = _settings(tmp_path, soa, running.marathon_url)
    handle = start_smartstack_in_thread(settings)
    try:
        etc = system_config_dir(tmp_path, running, sensu_listener.port)
        _write_smartstack_json(etc, settings)
        monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
        (tmp_path / "devcluster0" / "logs").mkdir(parents=True, exist_ok=True)
        client = marathon_client.get_marathon_client(running.marathon_url)
        app_id = deploy(client, soa, "svc", "main")
        ports = wait_for(lambda: (t := running_tasks(client, app_id)) and len(t) == 2 and [x.ports[0] for x in t])

        def up() -> int:
            return sum(b.is_up for b in get_backends(["svc.main"], "127.0.0.1", settings.synapse_port))

        wait_for(lambda: up() == 2)
        assert script.main(["-d", str(soa)]) == 0
        ok = sensu_listener.wait_for_events(1)[0]
        spool = f"http://127.0.0.1:{settings.hacheck_port}/spool/svc.main/{ports[0]}/status"
        requests.post(spool, data={"status": "down", "expiration": str(time.time() + 60), "reason": "test"}, timeout=5)
        wait_for(lambda: up() == 1)
        assert script.main(["-d", str(soa)]) == 0
        critical = sensu_listener.wait_for_events(2)[1]
    finally:
        handle.stop()
    assert ok["status"] == 0
    assert ok["output"] == "- Service svc.main has 2 out of 2 expected instances in devregion (OK: 100%)\n"
    assert critical["status"] == 2
    expected = "- Service svc.main has 1 out of 2 expected instances in devregion (CRITICAL: 50%)\n"
    assert critical["output"].startswith(expected)
