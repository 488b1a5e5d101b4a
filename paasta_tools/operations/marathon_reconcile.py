"""Reconcile many Marathon instances in one run with ONE ``GET /v2/apps`` shared by all of them.

Used by setup_marathon_job (the instances named on its command line) and by
deploy_marathon_services (every marathon instance of the cluster, touching only those that need
work).  Each instance's outcome is reported; one broken instance never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.clients import haproxy, marathon_client
from paasta_tools.clients.log_writer import LogWriter, NullLogWriter, log_writer_from_config
from paasta_tools.clients.mesos import MesosMasterClient
from paasta_tools.config.soa_dir import list_services
from paasta_tools.errors import (
    MarathonError,
    MesosError,
    NoDockerImageError,
    PaastaError,
    PaastaNotConfiguredError,
)
from paasta_tools.marathon.app_dict import app_system_config_from
from paasta_tools.marathon.bounce_plan import draining_hosts_from_status, instance_needs_work
from paasta_tools.marathon.job_id import short_app_id
from paasta_tools.marathon.tasks import MarathonAppState, get_matching_apps
from paasta_tools.operations import sensu_events
from paasta_tools.operations.locks import ZkLocks
from paasta_tools.operations.marathon_deploy import (
    DeployEnv,
    DeployResult,
    deploy_instance,
    drain_method_for,
    marathon_errors,
)
from paasta_tools.operations.marathon_targets import InstanceTarget, load_service_targets

log = logging.getLogger(__name__)
MAINTENANCE_TIMEOUT_S = 5


@dataclass(frozen=True)
class InstanceOutcome:
    """What happened to one instance: ``result`` None means skipped (lock held, no deployments)."""

    name: str
    result: DeployResult | None
    touched: bool = True

    @property
    def failed(self) -> bool:
        return self.result is not None and self.result.status != 0


@dataclass
class ReconcileReport:
    outcomes: list[InstanceOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[InstanceOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def touched(self) -> list[InstanceOutcome]:
        return [o for o in self.outcomes if o.touched]


def _haproxy_lookup(system_config: Any) -> Callable[[Collection[str], str], frozenset[tuple[str, int]]]:
    def lookup(hosts: Collection[str], registration: str) -> frozenset[tuple[str, int]]:
        up, errors = haproxy.get_up_addresses_on_hosts(
            hosts,
            registration,
            system_config.get_synapse_port(),
            system_config.get_synapse_haproxy_url_format(),
            task_hosts=hosts,
        )
        for error in errors:
            log.warning("HAProxy check for %s: %s", registration, error)
        return up

    return lookup


def _log_writer(system_config: Any) -> LogWriter:
    try:
        return log_writer_from_config(system_config.get_log_writer(), where=f"{system_config.directory}")
    except PaastaNotConfiguredError:
        return NullLogWriter()


def draining_hosts(system_config: Any) -> frozenset[str]:
    """Hosts Mesos maintenance is draining; none when the master has no maintenance data for us.

    A master without the maintenance endpoint (the devcluster) or out of reach only costs the
    at-risk optimisation, so it is logged, not fatal.
    """
    url = system_config.get("mesos_url")
    if not url:
        return frozenset()
    try:
        status = MesosMasterClient(url, timeout=MAINTENANCE_TIMEOUT_S).maintenance_status()
    except MesosError as exc:
        log.info("No Mesos maintenance status, no task counts as at risk: %s", exc)
        return frozenset()
    return draining_hosts_from_status(status)


def _maintenance_reserver(system_config: Any) -> Callable[[Collection[str]], None] | None:
    """Reserve all resources of hosts through the cluster's master; None without ``mesos_url``."""
    url = system_config.get("mesos_url")
    if not url:
        return None
    from paasta_tools.clients.mesos_maintenance import MesosMaintenanceClient

    client = MesosMaintenanceClient(url, timeout=MAINTENANCE_TIMEOUT_S)
    return client.reserve_all_resources


def _zookeeper_url(system_config: Any) -> str:
    url = system_config.get("zookeeper")
    if not url:
        raise PaastaNotConfiguredError(
            f"Could not find zookeeper in configuration directory: {system_config.directory}"
        )
    return url


def _needs_work(target: InstanceTarget, apps: Sequence[MarathonAppState], draining_hosts: frozenset[str]) -> bool:
    if target.app_dict is None:
        # Not deployed yet (no image for its deploy group) is no error for the cron run, as upstream's
        # list_marathon_service_instances --minimal skipped it; other errors are reported every run.
        return target.error is not None and not isinstance(target.error, NoDockerImageError)
    matching = get_matching_apps(apps, target.service, target.instance)
    draining_ids: set[str] = set()
    if matching and target.config.get_drain_method(target.namespace) != "noop":
        try:
            drain = drain_method_for(target)
        except PaastaError:
            return True  # the full run reports the broken drain method
        for task in (t for app in matching for t in app.tasks):
            try:
                if drain.is_draining(task):
                    draining_ids.add(task.id)
            except Exception:  # cannot tell: let the full run classify it
                return True
    return instance_needs_work(
        target.app_dict["id"], target.app_dict["instances"], matching, draining_ids, draining_hosts
    )


class Reconciler:
    """Holds a run's collaborators; ``run(instances)`` deploys them against one listing of the apps."""

    def __init__(self, system_config: Any, soa_dir: str, client: Any = None, workers: int = 1) -> None:
        self.system_config = system_config
        self.workers = workers
        self.soa_dir = soa_dir
        self.cluster = system_config.get_cluster()
        self.app_system = app_system_config_from(system_config)
        self.client = client or marathon_client.get_marathon_client_from_config(system_config.get_marathon_config())
        self.sensu = sensu_events.SensuTarget.from_system_config(system_config)
        self.locks = ZkLocks(_zookeeper_url(system_config))
        self.env = DeployEnv(
            client=self.client,
            locks=self.locks,
            cluster=self.cluster,
            log_writer=_log_writer(system_config),
            haproxy_up=_haproxy_lookup(system_config),
            reserve_hosts=_maintenance_reserver(system_config),
        )

    def _refresh_draining_hosts(self) -> None:
        self.env.draining_hosts = draining_hosts(self.system_config)

    def _load(self, service: str, instances: list[str] | None) -> list[InstanceTarget]:
        return load_service_targets(
            service, self.soa_dir, self.cluster, self.app_system, instances, self.locks.autoscaled_instances
        )

    def targets(self, instances: Iterable[tuple[str, str]]) -> Iterator[InstanceTarget]:
        """The instances' targets, reading each service's files once (first-seen service order)."""
        by_service: dict[str, list[str]] = {}
        for service, instance in instances:
            by_service.setdefault(service, []).append(instance)
        for service, names in by_service.items():
            yield from self._load(service, names)

    def cluster_targets(self) -> Iterator[InstanceTarget]:
        """Every marathon instance of the cluster, service by service (sorted), in yaml order."""
        for service in list_services(self.soa_dir):
            yield from self._load(service, None)

    def report_event(self, target: InstanceTarget, result: DeployResult) -> None:
        if target.service_files is None:
            return
        monitoring = target.config.get_monitoring() if target.config is not None else {}
        event = sensu_events.setup_marathon_job_event(
            target.service_files, target.instance, monitoring, result.status != 0, result.output, self.cluster
        )
        try:
            sensu_events.send(self.sensu, event)
        except OSError as exc:  # Sensu being down must not fail the deploy
            log.warning("Could not send the Sensu event for %s: %s", target.name, exc)

    def deploy(self, target: InstanceTarget, apps: Sequence[MarathonAppState]) -> InstanceOutcome:
        try:
            result = deploy_instance(self.env, target, apps)
        except Exception as exc:  # a bug or library surprise in one instance must not stop the others
            log.exception("Unexpected error deploying %s", target.name)
            result = DeployResult(1, f"Unexpected error deploying {target.name}: {type(exc).__name__}: {exc}")
        if result is not None:
            self.report_event(target, result)
        return InstanceOutcome(target.name, result)

    def list_apps(self) -> list[MarathonAppState]:
        """Every app with its tasks: the one listing the whole run works from."""
        try:
            return marathon_client.list_apps(self.client, embed_tasks=True)
        except marathon_errors() as exc:
            raise MarathonError(f"Could not list the Marathon apps: {exc}") from exc

    def _deploy_all(self, work: list[tuple[InstanceTarget, list[MarathonAppState]]]) -> list[InstanceOutcome]:
        """Deploy each (target, its apps), ``self.workers`` at a time; outcomes in input order."""
        if self.workers <= 1 or len(work) <= 1:
            return [self.deploy(target, matching) for target, matching in work]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="deploy") as pool:
            return list(pool.map(lambda item: self.deploy(*item), work))

    def run(self, targets: Iterable[InstanceTarget], only_needed: bool = False) -> ReconcileReport:
        """Deploy ``targets`` (all of them, or with ``only_needed`` just those needing work)."""
        apps = apps_by_instance(self.list_apps())
        self._refresh_draining_hosts()
        report = ReconcileReport()
        try:
            work = []
            for target in targets:
                matching = apps.get(short_app_id(target.service, target.instance), [])
                if only_needed and not _needs_work(target, matching, self.env.draining_hosts):
                    report.outcomes.append(InstanceOutcome(target.name, None, touched=False))
                else:
                    work.append((target, matching))
            report.outcomes.extend(self._deploy_all(work))
        finally:
            self.locks.close()
        return report


def apps_by_instance(apps: Iterable[MarathonAppState]) -> dict[str, list[MarathonAppState]]:
    """Apps grouped by their formatted ``service.instance`` (the first two parts of the id)."""
    grouped: dict[str, list[MarathonAppState]] = {}
    for app in apps:
        parts = app.id.lstrip("/").split(".")
        if len(parts) >= 2:
            grouped.setdefault(f"{parts[0]}.{parts[1]}", []).append(app)
    return grouped


def instance_errors(report: ReconcileReport) -> list[str]:
    """``service.instance: output`` for every failed instance."""
    return [f"{o.name}: {o.result.output}" for o in report.failures if o.result is not None]
