"""Config changes bounced by each method, with real health checks: capacity never drops for the safe ones."""

from __future__ import annotations

import threading

import pytest

from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE


class HealthySampler:
    """Counts the instance's healthy tasks (all apps) every 50 ms in a background thread."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(self.pipeline.healthy_total())
            self._stop.wait(0.05)

    def __enter__(self) -> HealthySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _deployed(pipeline, config: dict, wait_for) -> str:
    pipeline.write_service({"main": config})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(config["instances"]))
    return pipeline.only_app()["id"]


@pytest.mark.parametrize("method", ["crossover", "upthendown"])
def test_safe_bounce_never_drops_below_the_configured_count(make_pipeline, wait_for, method: str) -> None:
    pipeline = make_pipeline()
    config = {**HEALTHY_INSTANCE, "bounce_method": method}
    old_id = _deployed(pipeline, config, wait_for)
    pipeline.write_service({"main": {**config, "env": {"VERSION": "2"}}})
    with HealthySampler(pipeline) as sampler:
        runs = pipeline.bounce_until("svc.main", lambda: pipeline.converged(2) and pipeline.only_app()["id"] != old_id)
    assert runs >= 2  # a bounce takes several runs: create, then drain/kill once new tasks are healthy
    assert len(sampler.samples) > 10 and min(sampler.samples) >= 2, sampler.samples
    messages = [line["message"] for line in pipeline.deploy_log()]
    new_id = pipeline.only_app()["id"]
    assert f"{method} bounce on svc.main finishing. Now running {new_id}" in messages
    assert f"{method} bounce removing old unused apps with app_ids: {old_id}" in messages


def test_unhealthy_new_version_never_takes_capacity_from_the_old(make_pipeline, wait_for) -> None:
    pipeline = make_pipeline()
    old_id = _deployed(pipeline, HEALTHY_INSTANCE, wait_for)
    old_tasks = {t["id"] for t in pipeline.only_app()["tasks"]}
    broken = {**HEALTHY_INSTANCE, "cmd": "sleep 300"}  # never answers its HTTP health check
    pipeline.write_service({"main": broken})
    assert pipeline.setup("svc.main") == 0

    def both_apps_running() -> dict | None:
        apps = pipeline.apps()
        return apps if len(apps) == 2 and all(len(app["tasks"]) == 2 for app in apps.values()) else None

    wait_for(both_apps_running)
    for _ in range(5):  # the new tasks run but never become healthy: every run must keep the old ones
        assert pipeline.setup("svc.main") == 0
    apps = both_apps_running()
    assert {t["id"] for t in apps[old_id]["tasks"]} == old_tasks
    assert pipeline.healthy(apps[old_id]) == 2
    new_app = next(app for app_id, app in apps.items() if app_id != old_id)
    assert pipeline.healthy(new_app) == 0


def test_brutal_replaces_everything_in_one_run(make_pipeline, wait_for) -> None:
    pipeline = make_pipeline()
    config = {**HEALTHY_INSTANCE, "bounce_method": "brutal"}
    old_id = _deployed(pipeline, config, wait_for)
    pipeline.write_service({"main": {**config, "env": {"VERSION": "2"}}})
    assert pipeline.setup("svc.main") == 0
    apps = pipeline.apps()
    assert old_id not in apps and len(apps) == 1
    wait_for(lambda: pipeline.converged(2), timeout=20)


def test_downthenup_removes_the_old_app_before_creating_the_new(make_pipeline, wait_for) -> None:
    pipeline = make_pipeline()
    config = {**HEALTHY_INSTANCE, "bounce_method": "downthenup"}
    old_id = _deployed(pipeline, config, wait_for)
    pipeline.write_service({"main": {**config, "env": {"VERSION": "2"}}})
    assert pipeline.setup("svc.main") == 0
    assert pipeline.apps() == {}
    assert pipeline.setup("svc.main") == 0
    (new_id,) = pipeline.apps()
    assert new_id != old_id
    wait_for(lambda: pipeline.converged(2), timeout=20)


def test_scaling_down_drains_the_surplus_of_the_running_app(make_pipeline, wait_for) -> None:
    pipeline = make_pipeline("noop")
    config = {key: HEALTHY_INSTANCE[key] for key in ("cmd", "cpus", "mem", "disk")} | {"instances": 3}
    app_id = _deployed(pipeline, config, wait_for)
    pipeline.write_service({"main": {**config, "instances": 1}})
    # instances are not part of the config hash: the same app is scaled, not bounced
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(1))
    assert pipeline.only_app()["id"] == app_id


QUICK = {key: HEALTHY_INSTANCE[key] for key in ("cmd", "instances", "cpus", "mem", "disk")}


def test_stopped_instance_bounces_to_an_app_with_no_instances(make_pipeline) -> None:
    pipeline = make_pipeline("noop")
    pipeline.write_service({"main": QUICK})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(2))
    (old_id,) = pipeline.apps()
    pipeline.write_service({"main": QUICK}, desired_state="stop", force_bounce="20261127T201500")
    pipeline.bounce_until("svc.main", lambda: (app := pipeline.only_app()) is not None and app["id"] != old_id)
    app = pipeline.only_app()
    assert app["instances"] == 0 and app["tasks"] == []


def test_autoscaled_instance_count_comes_from_zookeeper(make_pipeline) -> None:
    from paasta_tools.clients import zookeeper

    pipeline = make_pipeline("noop")
    with zookeeper.zk_connection(pipeline.zookeeper_url) as client:
        zookeeper.write_autoscaled_instances(client, "svc", "main", 3)
    pipeline.write_service({"main": {**QUICK, "min_instances": 1, "max_instances": 5}})
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(3))
    with zookeeper.zk_connection(pipeline.zookeeper_url) as client:
        zookeeper.write_autoscaled_instances(client, "svc", "main", 9)  # clamped to max_instances
    pipeline.bounce_until("svc.main", lambda: pipeline.converged(5))
