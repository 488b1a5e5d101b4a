"""The daemon's decisions over a reconciler stand-in: what the oracle, the watchers and the sweep queue."""

from __future__ import annotations

import json
import logging
import threading
from types import SimpleNamespace

import yaml

from paasta_tools.deployd.master import DeployDaemon, bounce_priority
from paasta_tools.deployd.queue import ServiceInstance
from paasta_tools.deployd.settings import DeploydSettings
from paasta_tools.deployd.watcher import SoaDirWatcher
from paasta_tools.deployd.workers import InstanceStepper
from paasta_tools.errors import ConfigError, MarathonError, NoDockerImageError
from paasta_tools.marathon.app_dict import app_system_config_from
from paasta_tools.marathon.tasks import MarathonAppState
from paasta_tools.operations.marathon_targets import InstanceTarget
from paasta_tools.system_config import SystemPaastaConfig
from tests.support.waiting import wait_for

STEADY = "svc.steady.gitaaaaaaaa.config11111111"


class Reconciler:
    def __init__(self, apps: list[str] | Exception) -> None:
        self.apps = apps

    def list_apps(self) -> list[MarathonAppState]:
        if isinstance(self.apps, Exception):
            raise self.apps
        return [MarathonAppState(id=f"/{app_id}", instances=1) for app_id in self.apps]


def _daemon(**settings) -> DeployDaemon:
    config = SystemPaastaConfig({"cluster": "norcal"}, directory="/etc/paasta")
    return DeployDaemon(config, DeploydSettings(soa_dir="/soa", identifier="me", **settings), clock=lambda: 1000.0)


def _target(instance: str, app_id: str | None = None, **kw) -> InstanceTarget:
    app_dict = {"id": app_id, "instances": 1} if app_id else None
    return InstanceTarget("svc", instance, app_dict=app_dict, **kw)


TARGETS = [
    _target("steady", STEADY),
    _target("changed", "svc.changed.gitaaaaaaaa.config22222222"),
    _target("broken", error=ConfigError("marathon-norcal.yaml: bad")),
    _target("unbuilt", error=NoDockerImageError("no image")),
    _target("new", skip="no deployments.json"),
]


def test_only_instances_marathon_does_not_run_as_desired_are_queued(caplog):
    caplog.set_level(logging.INFO)
    found = _daemon().needing_bounce(Reconciler([STEADY]), TARGETS, 1000.0, "SoaFileWatcher")
    assert [(i.key, i.watcher, i.wait_until) for i in found] == [("svc.changed", "SoaFileWatcher", 1000.0)]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == ["Skipping svc.broken because: marathon-norcal.yaml: bad"]


def test_when_marathon_cannot_be_listed_every_buildable_instance_is_queued():
    found = _daemon().needing_bounce(Reconciler(MarathonError("down")), TARGETS, 1000.0, "SoaFileWatcher")
    assert [i.key for i in found] == ["svc.steady", "svc.changed"]


def test_the_sweep_spaces_every_deployable_instance_at_the_startup_rate():
    daemon = _daemon(startup_bounce_rate=2)
    span = daemon.sweep([*TARGETS, _target("*", error=ConfigError("unreadable"))], 1000.0)
    queued = daemon.queue.snapshot()
    assert [(i.key, i.wait_until, i.priority) for i in queued] == [
        ("svc.steady", 1000.0, 99),
        ("svc.changed", 1030.0, 99),
        ("svc.broken", 1060.0, 99),
        ("svc.unbuilt", 1090.0, 99),
    ]
    assert span == 120.0


def test_bounce_priority_comes_from_the_instance_config():
    class Config:
        def __init__(self, value):
            self.value = value

        def get(self, key, default=None):
            return self.value if key == "bounce_priority" else default

    assert bounce_priority(InstanceTarget("s", "i", config=Config(-5))) == -5
    assert bounce_priority(InstanceTarget("s", "i", config=Config("high"))) == 0
    assert bounce_priority(InstanceTarget("s", "i")) == 0


class LoadingReconciler(Reconciler):
    """Also what loading targets from the soa dir needs (no autoscaled counts)."""

    def __init__(self, apps: list[str] | Exception) -> None:
        super().__init__(apps)
        system = SystemPaastaConfig({"cluster": "norcal", "docker_registry": "registry", "volumes": []})
        self.app_system = app_system_config_from(system)
        self.locks = SimpleNamespace(autoscaled_instances=lambda service, instance: None)


def _write_service(soa_dir, service: str, instance: dict) -> None:
    directory = soa_dir / service
    directory.mkdir(exist_ok=True)
    (directory / "marathon-norcal.yaml").write_text(yaml.safe_dump({"main": instance}))
    deployed = {"docker_image": f"services-{service}:paasta-abc", "desired_state": "start", "force_bounce": None}
    (directory / "deployments.json").write_text(json.dumps({"v1": {f"{service}:paasta-norcal.main": deployed}}))


def test_a_service_the_loader_chokes_on_does_not_hide_another_services_change(tmp_path, caplog):
    daemon = DeployDaemon(
        SystemPaastaConfig({"cluster": "norcal"}), DeploydSettings(soa_dir=str(tmp_path)), clock=lambda: 1000.0
    )
    soa = SoaDirWatcher(str(tmp_path), "norcal")
    before = soa.scan()
    _write_service(tmp_path, "aaa", {"cmd": "true", "constraints": 5})
    _write_service(tmp_path, "zzz", {"cmd": "true"})
    after = daemon.poll_soa_dir(LoadingReconciler([]), soa, before)
    assert sorted(service for service, _ in after) == ["aaa", "aaa", "zzz", "zzz"]
    assert [item.key for item in daemon.queue.snapshot()] == ["zzz.main"]
    assert any("aaa" in r.getMessage() and "marathon-norcal.yaml" in r.getMessage() for r in caplog.records)


class BrokenSoaWatcher:
    def scan(self):
        raise RuntimeError("scan broke")


def test_a_failing_watcher_does_not_stop_the_sweep(tmp_path):
    _write_service(tmp_path, "svc", {"cmd": "true"})
    watchers = frozenset({"PublicConfigFileWatcher", "MaintenanceWatcher"})
    settings = DeploydSettings(soa_dir=str(tmp_path), disabled_watchers=watchers, poll_interval_s=0.01)
    daemon = DeployDaemon(SystemPaastaConfig({"cluster": "norcal"}), settings, clock=lambda: 1000.0)
    daemon.reconciler = LoadingReconciler([])
    resign = threading.Event()
    watching = threading.Thread(target=daemon.watch, args=(resign, 1000.0, BrokenSoaWatcher(), None, ({}, {})))
    watching.start()
    try:
        wait_for(lambda: [item.key for item in daemon.queue.snapshot()] == ["svc.main"], timeout=5)
    finally:
        resign.set()
        watching.join(5)


class ClosableReconciler:
    """A reconciler whose step waits for ``release``; records whether its ZooKeeper locks were closed."""

    def __init__(self) -> None:
        self.locks = SimpleNamespace(closed=False)
        self.locks.close = lambda: setattr(self.locks, "closed", True)
        self.env = SimpleNamespace(draining_hosts=frozenset())
        self.entered, self.release = threading.Event(), threading.Event()

    def targets(self, pairs):
        self.entered.set()
        self.release.wait(5)
        return iter([InstanceTarget("svc", "main", skip="no deployments.json")])


def test_a_replaced_reconciler_is_closed_once_no_worker_steps_with_it():
    daemon = _daemon()
    old, new = ClosableReconciler(), ClosableReconciler()
    daemon.reconciler = old
    stepper = InstanceStepper(old)
    daemon.steppers = [stepper]
    stepping = threading.Thread(target=stepper.step, args=(ServiceInstance("svc", "main", "t", 0, 0),))
    stepping.start()
    try:
        assert old.entered.wait(5)
        daemon.use_reconciler(new)
        daemon.close_retired()
        assert not old.locks.closed and daemon.retired == [old]  # a worker is still in a step with it
    finally:
        old.release.set()
        stepping.join(5)
    daemon.close_retired()
    assert old.locks.closed and daemon.retired == [] and not new.locks.closed


def test_a_system_config_the_deploys_cannot_use_is_not_adopted(tmp_path, caplog):
    from paasta_tools.deployd.watcher import SystemConfigWatcher
    from paasta_tools.errors import PaastaNotConfiguredError

    def write(config: dict) -> None:
        (tmp_path / "cluster.json").write_text(json.dumps(config))

    def reconciler_for(config: SystemPaastaConfig) -> ClosableReconciler:
        if not config.get("marathon_config"):
            raise PaastaNotConfiguredError(f"Could not find marathon_config in configuration directory: {tmp_path}")
        return ClosableReconciler()

    good = {"cluster": "norcal", "marathon_config": {"url": "http://127.0.0.1:1"}}
    write(good)
    daemon = DeployDaemon(SystemPaastaConfig(good, directory=str(tmp_path)), DeploydSettings(soa_dir=str(tmp_path)))
    daemon.make_reconciler = lambda: reconciler_for(daemon.system_config)
    daemon.reconciler = original = daemon.make_reconciler()
    watcher = SystemConfigWatcher(str(tmp_path))
    before = watcher.scan()
    write({"cluster": "norcal"})  # marathon_config removed
    after = daemon.poll_system_config(watcher, before)
    assert after == watcher.scan()
    assert daemon.system_config.get("marathon_config") and daemon.reconciler is original
    assert "Could not find marathon_config in configuration directory" in caplog.text
