"""paasta-deployd's workers: take due instances from the shared queue and move each bounce one step.

A step is one run of setup_marathon_job's reconcile for the instance (its ZooKeeper bounce lock,
the bounce plan, the Sensu event).  An unfinished bounce comes back after ``bounce_again_s``, a
failed step after the exponential failure backoff; a steady instance leaves the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from paasta_tools.deployd.changes import requeue_after_step
from paasta_tools.deployd.queue import BounceQueue, ServiceInstance
from paasta_tools.errors import NoConfigurationForServiceError, UnknownServiceError
from paasta_tools.marathon.bounce_plan import instance_needs_work
from paasta_tools.marathon.job_id import short_app_id
from paasta_tools.marathon.tasks import MarathonAppState

log = logging.getLogger(__name__)

MAX_IDLE_WAIT_S = 0.5
# What upstream's setup_marathon_job answered while a bounce still had work left.
BOUNCE_AGAIN_S = 60.0


class SharedQueue:
    """A BounceQueue behind a condition variable, for the watchers and the worker threads."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._queue = BounceQueue()
        self._cond = threading.Condition()
        self._clock = clock

    def put(self, items: Iterable[ServiceInstance]) -> None:
        with self._cond:
            for item in items:
                self._queue.put(item)
            self._cond.notify_all()

    def take(self, resign: threading.Event) -> ServiceInstance | None:
        """The next due instance, waiting for one; None once ``resign`` is set."""
        with self._cond:
            while not resign.is_set():
                item = self._queue.pop_due(self._clock())
                if item is not None:
                    return item
                wait = self._queue.seconds_until_due(self._clock())
                self._cond.wait(MAX_IDLE_WAIT_S if wait is None else min(wait, MAX_IDLE_WAIT_S))
        return None

    def done(self, key: str) -> None:
        with self._cond:
            self._queue.done(key)
            self._cond.notify_all()

    def snapshot(self) -> list[ServiceInstance]:
        """The queued entries, soonest first."""
        with self._cond:
            return list(self._queue)

    def in_progress(self) -> frozenset[str]:
        with self._cond:
            return self._queue.in_progress

    def __len__(self) -> int:
        with self._cond:
            return len(self._queue)


@dataclass(frozen=True)
class StepResult:
    """``failed`` (retry with backoff) or ``bounce_again_in`` seconds (None: steady, leave the queue)."""

    bounce_again_in: float | None
    failed: bool = False
    message: str = ""


def _apps_of(reconciler: Any, service: str, instance: str) -> list[MarathonAppState]:
    prefix = f"/{short_app_id(service, instance)}."
    return [app for app in reconciler.list_apps() if app.id.startswith(prefix)]


class InstanceStepper:
    """One reconcile step for one instance through a ``Reconciler`` (operations.marathon_reconcile)."""

    def __init__(self, reconciler: Any, bounce_again_s: float = BOUNCE_AGAIN_S) -> None:
        self.reconciler = reconciler  # replaced by the daemon when the system config changes
        self.bounce_again_s = bounce_again_s
        self._active: Any = None
        self._active_lock = threading.Lock()

    def in_use(self) -> Any:
        """The reconciler of the step in progress (None between steps)."""
        with self._active_lock:
            return self._active

    def step(self, item: ServiceInstance) -> StepResult:
        with self._active_lock:
            reconciler = self._active = self.reconciler
        try:
            return self._step(reconciler, item)
        finally:
            with self._active_lock:
                self._active = None

    def _step(self, reconciler: Any, item: ServiceInstance) -> StepResult:
        targets = list(reconciler.targets([(item.service, item.instance)]))
        target = targets[0]
        if target.skip is not None:
            return StepResult(None, message=f"no deployments for {target.name} yet")
        if isinstance(target.error, NoConfigurationForServiceError | UnknownServiceError):
            # Removed from the cluster: cleanup_marathon_jobs removes its apps, retrying cannot help.
            return StepResult(None, message=f"{target.name} is no longer configured: {target.error}")
        outcome = reconciler.deploy(target, _apps_of(reconciler, item.service, item.instance))
        if outcome.result is None:
            return StepResult(self.bounce_again_s, message=f"{target.name} is being bounced by another run")
        if outcome.failed:
            return StepResult(None, failed=True, message=f"{target.name}: {outcome.result.output}")
        app_dict = target.app_dict or {}
        after = _apps_of(reconciler, item.service, item.instance)
        if instance_needs_work(str(app_dict.get("id", "")), int(app_dict.get("instances", 0)), after):
            return StepResult(self.bounce_again_s, message=f"{target.name} not in steady state")
        return StepResult(None, message=f"{target.name} in steady state")


def run_worker(
    name: str,
    queue: SharedQueue,
    stepper: InstanceStepper,
    backoff_factor: float,
    resign: threading.Event,
    clock: Callable[[], float] = time.time,
) -> None:
    """Process instances until ``resign``; an exception in one instance is logged and retried later."""
    log.info("%s starting up", name)
    while not resign.is_set():
        item = queue.take(resign)
        if item is None:
            continue
        log.info("%s processing %s (queued by %s)", name, item.key, item.watcher)
        started = clock()
        try:
            result = stepper.step(item)
        except Exception as exc:  # one broken instance must never stop the worker
            log.error("%s failed to process %s and will retry: %s: %s", name, item.key, type(exc).__name__, exc)
            result = StepResult(None, failed=True, message=str(exc))
        _report(name, item, result, clock() - started)
        follow = requeue_after_step(item, clock(), name, result.bounce_again_in, result.failed, backoff_factor)
        if follow is not None:
            queue.put([follow])
        queue.done(item.key)
    log.info("%s exiting", name)


def _report(name: str, item: ServiceInstance, result: StepResult, seconds: float) -> None:
    if result.failed:
        log.error("%s: bounce of %s failed, retrying with backoff: %s", name, item.key, result.message)
    elif result.bounce_again_in is not None:
        log.info("%s: %s; bouncing again in %ss", name, result.message, result.bounce_again_in)
    else:
        log.info("%s: %s", name, result.message)
    log.debug("%s: setup_marathon_timer %s %.3fs", name, item.key, seconds)
