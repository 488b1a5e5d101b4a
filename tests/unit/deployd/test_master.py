"""The daemon's decisions over a reconciler stand-in: what the oracle, the watchers and the sweep queue."""

from __future__ import annotations

import logging

from paasta_tools.deployd.master import DeployDaemon, bounce_priority
from paasta_tools.deployd.settings import DeploydSettings
from paasta_tools.errors import ConfigError, MarathonError, NoDockerImageError
from paasta_tools.marathon.tasks import MarathonAppState
from paasta_tools.operations.marathon_targets import InstanceTarget
from paasta_tools.system_config import SystemPaastaConfig

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
