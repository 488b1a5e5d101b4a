"""paasta-deployd's workers over a reconciler stand-in: what a step decides, and the worker loop."""

from __future__ import annotations

import threading
import time

from paasta_tools.deployd.queue import ServiceInstance
from paasta_tools.deployd.workers import InstanceStepper, SharedQueue, StepResult, run_worker
from paasta_tools.marathon.tasks import MarathonAppState
from paasta_tools.operations.marathon_deploy import DeployResult
from paasta_tools.operations.marathon_reconcile import InstanceOutcome
from paasta_tools.operations.marathon_targets import InstanceTarget
from tests.support.waiting import wait_for

NEW = "svc.main.gitaaaaaaaa.config11111111"
OLD = "svc.main.gitbbbbbbbb.config22222222"


class Reconciler:
    """Answers as operations.marathon_reconcile.Reconciler does; ``apps_after`` is Marathon after the step."""

    def __init__(self, target: InstanceTarget, result: DeployResult | None, apps_after: list[str]) -> None:
        self.target = target
        self.result = result
        self.apps = [MarathonAppState(id=f"/{OLD}", instances=1)]
        self.apps_after = [MarathonAppState(id=f"/{app_id}", instances=1) for app_id in apps_after]
        self.deployed_with: list[list[str]] = []

    def targets(self, pairs):
        assert list(pairs) == [("svc", "main")]
        return iter([self.target])

    def list_apps(self):
        return self.apps + [MarathonAppState(id="/other.main.gitaaaaaaaa.config11111111", instances=1)]

    def deploy(self, target, apps):
        self.deployed_with.append([app.id for app in apps])
        self.apps = self.apps_after
        return InstanceOutcome(target.name, self.result)


TARGET = InstanceTarget("svc", "main", app_dict={"id": NEW, "instances": 1})
ITEM = ServiceInstance("svc", "main", "SoaFileWatcher", 0, 0)


def test_a_finished_bounce_is_steady():
    reconciler = Reconciler(TARGET, DeployResult(0, "Service deployed."), [NEW])
    result = InstanceStepper(reconciler, bounce_again_s=7).step(ITEM)
    assert result == StepResult(None, message="svc.main in steady state")
    assert reconciler.deployed_with == [[f"/{OLD}"]]  # only the instance's own apps


def test_an_old_app_left_means_bounce_again():
    reconciler = Reconciler(TARGET, DeployResult(0, "Service deployed."), [NEW, OLD])
    assert InstanceStepper(reconciler, bounce_again_s=7).step(ITEM).bounce_again_in == 7


def test_a_lock_held_by_another_run_means_bounce_again():
    reconciler = Reconciler(TARGET, None, [OLD])
    result = InstanceStepper(reconciler, bounce_again_s=7).step(ITEM)
    assert result.bounce_again_in == 7 and "being bounced by another run" in result.message


def test_a_failed_step_is_a_failure_naming_the_instance():
    reconciler = Reconciler(TARGET, DeployResult(1, "ERROR: bounce_method not recognized: fast"), [OLD])
    result = InstanceStepper(reconciler).step(ITEM)
    assert result.failed and result.message == "svc.main: ERROR: bounce_method not recognized: fast"


def test_an_instance_without_deployments_leaves_the_queue_untouched():
    target = InstanceTarget("svc", "main", skip="no deployments.json")
    reconciler = Reconciler(target, DeployResult(0, ""), [])
    assert InstanceStepper(reconciler).step(ITEM).bounce_again_in is None
    assert reconciler.deployed_with == []


def test_an_instance_removed_from_the_cluster_leaves_the_queue():
    from paasta_tools.errors import NoConfigurationForServiceError

    error = NoConfigurationForServiceError("no instance 'main' in /soa/svc/marathon-norcal.yaml")
    reconciler = Reconciler(InstanceTarget("svc", "main", error=error), DeployResult(1, str(error)), [])
    result = InstanceStepper(reconciler).step(ITEM)
    assert result == StepResult(None, message=f"svc.main is no longer configured: {error}")
    assert reconciler.deployed_with == []


class Stepper:
    """Steps as scripted per instance: an exception, or a StepResult."""

    def __init__(self, script: dict) -> None:
        self.script = script
        self.seen: list[str] = []

    def step(self, item: ServiceInstance) -> StepResult:
        self.seen.append(item.key)
        outcome = self.script[item.key]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _run(stepper: Stepper, items: list[ServiceInstance], until) -> SharedQueue:
    queue = SharedQueue()
    queue.put(items)
    resign = threading.Event()
    worker = threading.Thread(target=run_worker, args=("Worker0", queue, stepper, 30, resign))
    worker.start()
    try:
        wait_for(lambda: until(queue), timeout=5)
    finally:
        resign.set()
        worker.join(5)
    assert not worker.is_alive()
    return queue


def test_a_crashing_instance_is_retried_with_backoff_and_does_not_stop_the_others():
    now = time.time()
    stepper = Stepper({"bad.x": RuntimeError("boom"), "good.x": StepResult(None)})
    items = [ServiceInstance("bad", "x", "t", now, now), ServiceInstance("good", "x", "t", now, now + 1)]
    queue = _run(stepper, items, lambda q: len(stepper.seen) == 2 and not q.in_progress())
    assert stepper.seen == ["bad.x", "good.x"]
    [retry] = queue.snapshot()
    assert (retry.key, retry.failures, retry.watcher) == ("bad.x", 1, "Worker0")
    assert now + 59 < retry.wait_until < time.time() + 61


def test_an_unfinished_bounce_is_requeued_after_its_delay():
    now = time.time()
    stepper = Stepper({"svc.main": StepResult(0.2)})
    _run(stepper, [ServiceInstance("svc", "main", "t", now, now)], lambda q: len(stepper.seen) >= 2)
    assert stepper.seen[:2] == ["svc.main", "svc.main"]


def test_take_returns_none_once_resigned():
    queue = SharedQueue()
    resign = threading.Event()
    resign.set()
    queue.put([ServiceInstance("svc", "main", "t", 0, 0)])
    assert queue.take(resign) is None
