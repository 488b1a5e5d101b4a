"""The paasta-deployd daemon: leader election, watchers, the bounce queue and its workers.

Once elected (``leader.run_as_leader``) the daemon queues at once the instances Marathon shows need
a bounce (the startup oracle) and every instance at ``deployd_startup_bounce_rate`` (a slow sweep,
repeated when it ends), starts ``deployd_number_workers`` workers, then polls every second:

* SoaFileWatcher: a service whose marathon-<cluster>.yaml, service.yaml, deployments.json or
  smartstack.yaml changed has those instances queued whose desired app id or instance count differs
  from what Marathon runs;
* PublicConfigFileWatcher: a changed system config is used from then on, and the instances whose
  app it changes are queued at ``deployd_big_bounce_rate``;
* MaintenanceWatcher: hosts newly draining in Mesos maintenance have their instances queued;
* AutoscalerWatcher: an instance whose ZooKeeper autoscaling count is written is queued at once.

Watchers named in the system config's ``disabled_watchers`` do not run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from paasta_tools.clients import zookeeper
from paasta_tools.deployd.autoscaler_watch import AutoscalerWatcher
from paasta_tools.deployd.changes import RateLimit, changed_services, changed_system_files, rate_limited
from paasta_tools.deployd.leader import Outcome, run_as_leader
from paasta_tools.deployd.queue import STARTUP_PRIORITY, ServiceInstance
from paasta_tools.deployd.settings import DeploydSettings, instances_on_hosts
from paasta_tools.deployd.watcher import SoaDirWatcher, SystemConfigWatcher
from paasta_tools.deployd.workers import InstanceStepper, SharedQueue, run_worker
from paasta_tools.errors import MALFORMED_VALUE_ERRORS, NoDockerImageError, PaastaError, PaastaNotConfiguredError
from paasta_tools.marathon.bounce_plan import instance_needs_work
from paasta_tools.marathon.job_id import short_app_id
from paasta_tools.marathon.tasks import MarathonAppState

log = logging.getLogger(__name__)

DEAD_WORKER_MESSAGE = "Detected a dead worker, starting a replacement thread"
SWEEP_RETRY_S = 60.0
AppsByInstance = dict[str, list[MarathonAppState]]
T = TypeVar("T")


def _attempt(fallback: T, step: Callable[..., T], *args: Any) -> T:
    """``step(*args)``, or ``fallback`` when it raises: a watcher's failure is logged and tried again later."""
    try:
        return step(*args)
    except Exception:
        log.exception("Error in %s while watching for changes", step.__name__)
        return fallback


def _default_reconciler(system_config: Any, soa_dir: str) -> Any:
    from paasta_tools.operations.marathon_reconcile import Reconciler

    return Reconciler(system_config, soa_dir)


def bounce_priority(target: Any) -> int:
    """The instance's ``bounce_priority`` (lower goes first; 0 when unset or not a number)."""
    config = getattr(target, "config", None)
    try:
        return int(config.get("bounce_priority", 0)) if config is not None else 0
    except (TypeError, ValueError):
        return 0


class DeployDaemon:
    """One paasta-deployd process; ``run(stop)`` returns when stopped or when leadership is lost."""

    def __init__(
        self,
        system_config: Any,
        settings: DeploydSettings,
        reconciler_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.system_config = system_config
        self.settings = settings
        self.cluster = system_config.get_cluster()
        self.identifier = settings.identifier or socket.getfqdn()
        self.make_reconciler = reconciler_factory or (lambda: _default_reconciler(self.system_config, settings.soa_dir))
        self.clock = clock
        self.is_leader = threading.Event()
        self.queue = SharedQueue(clock)
        self.workers: list[threading.Thread] = []
        self.steppers: list[InstanceStepper] = []
        self.reconciler: Any = None
        self.retired: list[Any] = []  # replaced reconcilers: a worker may still be in a step with one
        self.zk_client: Any = None
        self.polls = 0  # watch-loop rounds completed: a change written before round n is handled by round n + 1

    def zookeeper_url(self) -> str:
        url = self.system_config.get("zookeeper")
        if not url:
            raise PaastaNotConfiguredError(
                f"Could not find zookeeper in configuration directory: {self.system_config.directory}"
            )
        return url

    def run(self, stop: threading.Event) -> Outcome:
        """Wait for leadership under the cluster's ZooKeeper, then lead until ``stop``."""
        with zookeeper.zk_connection(self.zookeeper_url()) as client:
            self.zk_client = client
            return run_as_leader(client, self.identifier, self.lead, stop)

    def lead(self, resign: threading.Event) -> None:
        log.info("This node is elected as leader %s", self.identifier)
        # The baselines come first: a change made while the startup reads the configs is then
        # seen by the first poll instead of being lost.
        soa = SoaDirWatcher(self.settings.soa_dir, self.cluster)
        public = SystemConfigWatcher(self.system_config.directory)
        baseline = (soa.scan(), public.scan())
        self.reload_system_config()
        self.reconciler = self.make_reconciler()
        self.is_leader.set()
        self.queue = SharedQueue(self.clock)
        autoscaler = AutoscalerWatcher(self.zk_client, self.queue_autoscaled)
        try:
            if self.enabled("AutoscalerWatcher"):
                autoscaler.start()  # before the startup reads the counts, as upstream started its watchers
            next_sweep = self.clock() + self.startup(self.reconciler)
            self.start_workers(resign)
            log.info("Startup finished!")
            self.watch(resign, next_sweep, soa, public, baseline)
        finally:
            autoscaler.stop()
            resign.set()
            for worker in self.workers:
                worker.join()
            for reconciler in [self.reconciler, *self.retired]:
                reconciler.locks.close()
            self.retired = []
            self.is_leader.clear()
            log.info("Leadership given up")

    def reload_system_config(self) -> bool:
        """Read the system config again (it may have changed while this daemon waited); True if it changed."""
        from paasta_tools.system_config import load_system_paasta_config

        try:
            config = load_system_paasta_config(self.system_config.directory)
        except PaastaError as exc:
            log.error("Couldn't load public config, keeping the previous one: %s", exc)
            return False
        if config.config_dict == self.system_config.config_dict:
            return False
        self.system_config = config
        return True

    def use_reconciler(self, reconciler: Any) -> None:
        """Make the workers deploy through ``reconciler`` (built from a new system config)."""
        reconciler.env.draining_hosts = self.reconciler.env.draining_hosts
        self.retired.append(self.reconciler)
        self.reconciler = reconciler
        for stepper in self.steppers:
            stepper.reconciler = reconciler

    def close_retired(self) -> None:
        """Close the replaced reconcilers (their ZooKeeper sessions) that no worker is still stepping with."""
        busy = {id(stepper.in_use()) for stepper in self.steppers}
        for reconciler in self.retired:
            if id(reconciler) not in busy:
                reconciler.locks.close()
        self.retired = [reconciler for reconciler in self.retired if id(reconciler) in busy]

    # --- startup and the sweep ---------------------------------------------------------------

    def startup(self, reconciler: Any) -> float:
        """Queue what the oracle says needs a bounce now, and the first sweep; returns the sweep's span."""
        targets = self.all_targets(reconciler)
        now = self.clock()
        if self.settings.startup_oracle_enabled:
            log.info("Prioritising services that we know need a bounce...")
            self.queue.put(self.needing_bounce(reconciler, targets, now, type(self).__name__))
        return self.sweep(targets, now)

    def sweep_all(self, reconciler: Any) -> float:
        """The sweep over every instance of the cluster, from now; returns the seconds it spans."""
        return self.sweep(self.all_targets(reconciler), self.clock())

    def sweep(self, targets: Sequence[Any], now: float) -> float:
        """Queue every deployable instance at ``deployd_startup_bounce_rate``; returns the seconds it spans."""
        names = [(t.service, t.instance) for t in targets if t.skip is None and t.instance != "*"]
        limit = RateLimit(now, self.settings.startup_bounce_rate)
        self.queue.put(rate_limited(names, limit, "daemon_start", STARTUP_PRIORITY))
        log.info("Queued %d instances at %s a minute", len(names), self.settings.startup_bounce_rate)
        return limit.span(len(names))

    def needing_bounce(
        self, reconciler: Any, targets: Iterable[Any], now: float, watcher: str
    ) -> list[ServiceInstance]:
        """Queue entries (due now) for the targets whose desired app Marathon does not run as is."""
        apps = self._apps_by_instance(reconciler)
        found = []
        for target in targets:
            if target.skip is not None:
                continue
            if target.error is not None:
                level = logging.INFO if isinstance(target.error, NoDockerImageError) else logging.ERROR
                log.log(level, "Skipping %s because: %s", target.name, target.error)
                continue
            matching = None if apps is None else apps.get(short_app_id(target.service, target.instance), [])
            app_dict = target.app_dict
            if matching is not None and not instance_needs_work(app_dict["id"], app_dict["instances"], matching):
                continue
            log.info("%s has a new marathon app ID, and so needs bouncing", target.name)
            found.append(
                ServiceInstance(
                    target.service,
                    target.instance,
                    watcher,
                    now,
                    now,
                    priority=bounce_priority(target),
                    enqueue_time=now,
                )
            )
        return found

    def _apps_by_instance(self, reconciler: Any) -> AppsByInstance | None:
        """Marathon's apps by ``service.instance``; None (everything counts as changed) when it fails."""
        from paasta_tools.operations.marathon_reconcile import apps_by_instance

        try:
            return apps_by_instance(reconciler.list_apps())
        except PaastaError as exc:
            log.error("Could not list the Marathon apps, queuing every changed instance: %s", exc)
            return None

    # --- workers -----------------------------------------------------------------------------

    def _new_worker(self, number: int, resign: threading.Event) -> threading.Thread:
        stepper = InstanceStepper(self.reconciler, self.settings.bounce_again_s)
        self.steppers.append(stepper)
        name = f"Worker{number}"
        args = (name, self.queue, stepper, self.settings.failure_backoff_factor, resign, self.clock)
        worker = threading.Thread(target=run_worker, args=args, name=name, daemon=True)
        worker.start()
        return worker

    def start_workers(self, resign: threading.Event) -> None:
        log.info("Starting worker threads")
        self.steppers = []
        self.workers = [self._new_worker(i, resign) for i in range(self.settings.number_workers)]

    def replace_dead_workers(self, resign: threading.Event) -> None:
        for index, worker in enumerate(self.workers):
            if not worker.is_alive() and not resign.is_set():
                log.error(DEAD_WORKER_MESSAGE)
                self.workers[index] = self._new_worker(len(self.workers) + index, resign)

    # --- watchers ----------------------------------------------------------------------------

    def enabled(self, watcher: str) -> bool:
        return watcher not in self.settings.disabled_watchers

    def watch(
        self,
        resign: threading.Event,
        next_sweep: float,
        soa: SoaDirWatcher,
        public: SystemConfigWatcher,
        baseline: tuple[dict, dict[str, str]],
    ) -> None:
        """Poll the watchers every ``poll_interval_s`` until ``resign``; an error in a poll is logged."""
        fingerprints, public_fingerprints = baseline
        draining: frozenset[str] = frozenset()
        next_maintenance = self.clock()
        while not resign.wait(self.settings.poll_interval_s):
            # Each step is guarded on its own: one that keeps failing must not starve the others.
            if self.enabled("SoaFileWatcher"):
                fingerprints = _attempt(fingerprints, self.poll_soa_dir, self.reconciler, soa, fingerprints)
            if self.enabled("PublicConfigFileWatcher"):
                public_fingerprints = _attempt(
                    public_fingerprints, self.poll_system_config, public, public_fingerprints
                )
            if self.enabled("MaintenanceWatcher") and self.clock() >= next_maintenance:
                draining = _attempt(draining, self.poll_maintenance, self.reconciler, draining)
                next_maintenance = self.clock() + self.settings.maintenance_polling_frequency
            if self.clock() >= next_sweep:
                next_sweep = self.clock() + _attempt(SWEEP_RETRY_S, self.sweep_all, self.reconciler)
            _attempt(None, self.replace_dead_workers, resign)
            _attempt(None, self.close_retired)
            self.polls += 1

    def poll_soa_dir(self, reconciler: Any, soa: SoaDirWatcher, before: dict) -> dict:
        after = soa.scan()
        services = changed_services(before, after)
        for service in services:
            log.info("Change of deploy files of %s, checking if any instances need bouncing", service)
        live = [s for s in services if os.path.isdir(os.path.join(self.settings.soa_dir, s))]
        if live:
            targets = [t for service in live for t in self.service_targets(reconciler, service)]
            self.queue.put(self.needing_bounce(reconciler, targets, self.clock(), "SoaFileWatcher"))
        return after

    def service_targets(self, reconciler: Any, service: str) -> list[Any]:
        """The service's instances; none (logged) when its files make the loader fail."""
        from paasta_tools.operations.marathon_targets import load_service_targets

        try:
            return load_service_targets(
                service,
                self.settings.soa_dir,
                self.cluster,
                reconciler.app_system,
                None,
                reconciler.locks.autoscaled_instances,
            )
        except MALFORMED_VALUE_ERRORS as exc:  # a malformed value no loader check caught
            where = os.path.join(self.settings.soa_dir, service, f"marathon-{self.cluster}.yaml")
            log.error("Skipping %s because %s could not be loaded: %s: %s", service, where, type(exc).__name__, exc)
            return []

    def all_targets(self, reconciler: Any) -> list[Any]:
        """Every marathon instance of the cluster, service by service (one broken service is left out)."""
        from paasta_tools.config.soa_dir import list_services

        services = list_services(self.settings.soa_dir)
        return [target for service in services for target in self.service_targets(reconciler, service)]

    def queue_autoscaled(self, service: str, instance: str) -> None:
        now = self.clock()
        self.queue.put([ServiceInstance(service, instance, "AutoscalerWatcher", now, now, enqueue_time=now)])

    def poll_maintenance(self, reconciler: Any, known: frozenset[str]) -> frozenset[str]:
        """Refresh the draining hosts the bounces see; queue the instances on hosts newly draining."""
        from paasta_tools.operations.marathon_reconcile import draining_hosts

        hosts = draining_hosts(self.system_config)
        reconciler.env.draining_hosts = hosts
        new = hosts - known
        if new:
            log.info("Found new draining hosts: %s", ", ".join(sorted(new)))
            now = self.clock()
            pairs = instances_on_hosts(reconciler.list_apps(), new)
            self.queue.put(ServiceInstance(s, i, "MaintenanceWatcher", now, now, enqueue_time=now) for s, i in pairs)
        return hosts

    def poll_system_config(self, watcher: SystemConfigWatcher, before: dict[str, str]) -> dict[str, str]:
        """On a change of /etc/paasta: deploy through the new config, bouncing affected instances slowly."""

        after = watcher.scan()
        previous = self.system_config
        if not changed_system_files(before, after) or not self.reload_system_config():
            return after
        log.info("Public config has changed, now checking if it affects any services config shas")
        try:
            reconciler = self.make_reconciler()
        except PaastaError as exc:  # e.g. marathon_config removed: keep deploying through the old config
            log.error("Couldn't deploy through the new public config, keeping the previous one: %s", exc)
            self.system_config = previous
            return after
        self.use_reconciler(reconciler)
        now = self.clock()
        found = self.needing_bounce(self.reconciler, self.all_targets(self.reconciler), now, "PublicConfigFileWatcher")
        if found:
            log.info("Found config change affecting %d service instances, now doing a staggered bounce", len(found))
            limit = RateLimit(now, self.settings.big_bounce_rate)
            pairs = [(item.service, item.instance) for item in found]
            self.queue.put(rate_limited(pairs, limit, "PublicConfigFileWatcher"))
        return after
