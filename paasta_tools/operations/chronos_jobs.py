"""Setting up and cleaning up Chronos jobs: load configs, build job dicts, plan, write through a client.

The deciding is pure (``paasta_tools.chronos.plan``); this module fetches what the plan needs (soa-configs,
deployments.json, the one job list from Chronos), applies the plan through a ChronosClient passed in, and
returns one JobResult per job.  One broken job never stops the others: its result carries the problem.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paasta_tools.chronos.job_dict import JobSystemConfig, format_chronos_job_dict, get_owner, job_system_config_from
from paasta_tools.chronos.job_name import compose_job_id, decompose_job_id, is_temporary_job_name
from paasta_tools.chronos.plan import JobAction, plan_chronos_jobs, plan_cleanup
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.monitoring_events import CRITICAL, OK, SensuEvent, build_event, check_name
from paasta_tools.config.soa_dir import ServiceFiles, malformed_value_error
from paasta_tools.errors import (
    MALFORMED_VALUE_ERRORS,
    ChronosError,
    ConfigError,
    InvalidJobNameError,
    NoDeploymentsAvailable,
    NoDockerImageError,
    PaastaError,
)

if TYPE_CHECKING:
    from paasta_tools.clients.chronos_client import ChronosClient
    from paasta_tools.clients.log_writer import LogWriter
    from paasta_tools.system_config import SystemPaastaConfig

SETUP_CHECK = "setup_chronos_job"
CHECK_CHECK = "check_chronos_jobs"
SETUP_OVERRIDES = {"check_every": "10s", "alert_after": "10m"}
SETUP_OK_OUTPUT = "All chronos bouncing tasks finished."
REMOVED_OUTPUT = "This instance was removed and is no longer supposed to be scheduled."

EventSender = Callable[[SensuEvent], object]


@dataclass(frozen=True)
class ChronosTarget:
    """One cluster's Chronos work: cluster name, soa dir, the system values jobs need, and Sensu."""

    cluster: str
    soa_dir: str
    system: JobSystemConfig
    sensu_host: str | None = None
    sensu_port: int = 3030


def target_from_system_config(system_config: SystemPaastaConfig, soa_dir: str, cluster: str | None = None):
    """The ChronosTarget of ``cluster`` (default: the system config's own cluster)."""
    return ChronosTarget(
        cluster=cluster or system_config.get_cluster(),
        soa_dir=soa_dir,
        system=job_system_config_from(system_config),
        sensu_host=system_config.get_sensu_host(),
        sensu_port=system_config.get_sensu_port(),
    )


def chronos_client_for(system_config: SystemPaastaConfig, cluster: str) -> ChronosClient:
    """The client of ``cluster``'s Chronos (``clusters.<cluster>.chronos_config``, or the top-level one)."""
    from paasta_tools.clients.chronos_client import get_chronos_client_from_config

    return get_chronos_client_from_config(system_config.get_cluster_endpoints(cluster).chronos_config)


def sensu_sender(target: ChronosTarget, warn: Callable[[str], object] | None = None) -> EventSender:
    """Send events to the target's Sensu client socket (nothing when its host is null).

    An event that cannot be sent (Sensu down, a monitoring value pysensu-yelp cannot read) is reported to
    ``warn`` (default: stderr) and the run goes on: one job's alert never stops the others.
    """
    import sys

    from paasta_tools.clients.sensu import send_event

    report = warn or (lambda message: sys.stderr.write(message + "\n"))

    def send(event: SensuEvent) -> object:
        try:
            return send_event(event, target.sensu_host, target.sensu_port)
        except (OSError, ValueError, TypeError) as exc:
            report(f"Could not send Sensu event {event.check_name} to {target.sensu_host}:{target.sensu_port}: {exc}")
            return False

    return send


@dataclass(frozen=True)
class ConfiguredJob:
    """A chronos instance as soa-configs and deployments.json describe it, with its service's files."""

    config: ChronosJobConfig
    files: ServiceFiles

    @property
    def name(self) -> str:
        return compose_job_id(self.config.service, self.config.instance)

    @property
    def paasta_name(self) -> str:
        return f"{self.config.service}.{self.config.instance}"


def _branch_dicts(service: str, soa_dir: str) -> Callable[[str], dict[str, Any]]:
    from paasta_tools.deployments import load_deployments_json

    try:
        deployments = load_deployments_json(service, soa_dir)
    except NoDeploymentsAvailable:
        return lambda branch: {}
    return lambda branch: deployments.get_branch_dict(service, branch)


def load_configured_jobs(
    service: str, cluster: str, soa_dir: str, instances: Sequence[str] | None = None
) -> list[ConfiguredJob]:
    """The chronos jobs of ``service`` in ``cluster`` (all, or ``instances``) with their deployments entries.

    Raises UnknownServiceError, NoConfigurationForServiceError (naming close instance names) or ConfigError.
    """
    from paasta_tools.config.loader import build_instance_config, load_instance_config
    from paasta_tools.config.soa_dir import read_service_files, require_service_dir

    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service, cluster=cluster)
    known = files.instances("chronos", cluster)
    for instance in instances or ():
        if instance not in known:
            load_instance_config(service, instance, cluster, soa_dir, load_deployments=False, instance_type="chronos")
    branch_dict = _branch_dicts(service, soa_dir)
    jobs = []
    for instance in instances if instances is not None else known:
        config = build_instance_config(files, "chronos", cluster, instance)
        assert isinstance(config, ChronosJobConfig)
        jobs.append(ConfiguredJob(dataclasses.replace(config, branch_dict=branch_dict(config.get_branch())), files))
    return jobs


@dataclass(frozen=True)
class JobResult:
    """What happened to one job: the Sensu status and output, and whether it counts as a failure."""

    service: str
    instance: str
    status: int
    output: str
    action: JobAction | None = None
    failed: bool = False

    @property
    def paasta_name(self) -> str:
        return f"{self.service}.{self.instance}"


def _no_deployment(job: ConfiguredJob, cluster: str) -> JobResult:
    message = f"No deployment found for {job.paasta_name} in cluster {cluster}. Has Jenkins run for it?"
    return JobResult(job.config.service, job.config.instance, CRITICAL, message)


def build_desired_jobs(
    jobs: Iterable[ConfiguredJob], target: ChronosTarget, now: datetime.datetime
) -> tuple[dict[str, dict[str, Any]], dict[str, JobResult]]:
    """Complete job dicts by Chronos name, and a result for each job that could not be built."""
    desired: dict[str, dict[str, Any]] = {}
    problems: dict[str, JobResult] = {}
    for job in jobs:
        try:
            desired[job.name] = job_dict_of(job, target, now)
        except (NoDeploymentsAvailable, NoDockerImageError):
            problems[job.name] = _no_deployment(job, target.cluster)
        except PaastaError as exc:
            problems[job.name] = JobResult(job.config.service, job.config.instance, CRITICAL, str(exc), failed=True)
    return desired, problems


def job_dict_of(job: ConfiguredJob, target: ChronosTarget, now: datetime.datetime) -> dict[str, Any]:
    """The complete job dict of ``job``; a value of a shape no getter expects (``constraints: 5``) is an
    InvalidInstanceConfig naming its file and instance, like every other configuration error."""
    try:
        return format_chronos_job_dict(job.config, target.system, get_owner(job.config, job.files), now)
    except MALFORMED_VALUE_ERRORS as exc:
        service, instance = job.config.service, job.config.instance
        raise malformed_value_error(job.files.soa_dir, service, "chronos", target.cluster, instance, exc) from None


def _write(
    client: ChronosClient, name: str, job: Mapping[str, Any], action: JobAction, writer: LogWriter | None, cluster: str
) -> JobResult:
    service, instance = name.split(" ", 1)
    try:
        client.update(job)
    except ChronosError as exc:
        return JobResult(service, instance, CRITICAL, f"Could not set up Chronos job {name}: {exc}", action, True)
    if writer is not None:
        writer.log(service, f"Updated Chronos job: {name}", "deploy", level="event", cluster=cluster, instance=instance)
    return JobResult(service, instance, OK, SETUP_OK_OUTPUT, action)


def setup_jobs(
    client: ChronosClient,
    jobs: Sequence[ConfiguredJob],
    target: ChronosTarget,
    now: datetime.datetime,
    writer: LogWriter | None = None,
) -> list[JobResult]:
    """Create or update every job of ``jobs`` whose config hash changed, with ONE job list call.

    Results come in ``jobs`` order.  Raises ChronosError only when the job list cannot be read.
    """
    desired, results = build_desired_jobs(jobs, target, now)
    plan = plan_chronos_jobs(desired, client.list(), unbuildable=results)
    for planned in plan.jobs:
        if planned.action is JobAction.UNCHANGED:
            service, instance = planned.name.split(" ", 1)
            results[planned.name] = JobResult(service, instance, OK, SETUP_OK_OUTPUT, planned.action)
        else:
            results[planned.name] = _write(client, planned.name, planned.job, planned.action, writer, target.cluster)
    for broken in plan.broken:
        service, instance = broken.name.split(" ", 1)
        output = f"Could not set up Chronos job {broken.name}: {broken.reason}"
        results[broken.name] = JobResult(service, instance, CRITICAL, output, failed=True)
    return [results[job.name] for job in jobs]


def setup_event(job: ConfiguredJob, result: JobResult, cluster: str) -> SensuEvent | None:
    """The ``setup_chronos_job.<service>.<instance>`` event for a result (None when the service has no team)."""
    overrides = {**job.config.get_monitoring(), **SETUP_OVERRIDES}
    name = check_name(SETUP_CHECK, result.service, result.instance)
    return build_event(name, result.status, result.output, job.files, overrides, cluster)


def send_setup_events(
    jobs: Sequence[ConfiguredJob], results: Sequence[JobResult], cluster: str, send: EventSender
) -> None:
    """One setup_chronos_job event per result (``results`` in ``jobs`` order)."""
    for job, result in zip(jobs, results, strict=True):
        event = setup_event(job, result, cluster)
        if event is not None:
            send(event)


def cluster_services(cluster: str, soa_dir: str, on_error: Callable[[str, PaastaError], None]) -> dict[str, list]:
    """``{service: [instance, ...]}`` of every chronos job configured in ``cluster``."""
    from paasta_tools.config.loader import list_all_instances_for_cluster

    services: dict[str, list[str]] = {}
    for service, instance in list_all_instances_for_cluster(cluster, soa_dir, "chronos", on_error=on_error):
        services.setdefault(service, []).append(instance)
    return services


def load_cluster_jobs(cluster: str, soa_dir: str, on_error: Callable[[str, PaastaError], None]) -> list[ConfiguredJob]:
    """Every chronos job of ``cluster`` (services sorted, yaml order); a broken service goes to ``on_error``."""
    jobs: list[ConfiguredJob] = []
    for service, instances in cluster_services(cluster, soa_dir, on_error).items():
        try:
            jobs.extend(load_configured_jobs(service, cluster, soa_dir, instances))
        except ConfigError as exc:
            on_error(service, exc)
    return jobs


@dataclass(frozen=True)
class CleanupReport:
    """What cleanup_chronos_jobs did: names whose tasks/jobs were removed, and failures with their errors."""

    to_delete: tuple[str, ...]
    removed_tasks: tuple[str, ...] = ()
    failed_tasks: tuple[tuple[str, str], ...] = ()
    removed_jobs: tuple[str, ...] = ()
    failed_jobs: tuple[tuple[str, str], ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.failed_tasks or self.failed_jobs)


def expected_job_names(cluster: str, soa_dir: str, on_error: Callable[[str, PaastaError], None]) -> set[str]:
    """Chronos names of every job configured in ``cluster``."""
    services = cluster_services(cluster, soa_dir, on_error)
    return {compose_job_id(service, instance) for service, instances in services.items() for instance in instances}


def _each(names: Iterable[str], action: Callable[[str], None]) -> tuple[list[str], list[tuple[str, str]]]:
    done, failed = [], []
    for name in names:
        try:
            action(name)
        except ChronosError as exc:
            failed.append((name, str(exc)))
        else:
            done.append(name)
    return done, failed


def cleanup_jobs(client: ChronosClient, expected: set[str], now: datetime.datetime) -> CleanupReport:
    """Kill the tasks of, then delete, every job neither configured nor an unexpired temporary job.

    A job whose tasks could not be killed is not deleted.  ``now`` is aware UTC.
    """
    to_delete = plan_cleanup(client.list(), expected, now)
    removed_tasks, failed_tasks = _each(to_delete, client.delete_tasks)
    removed_jobs, failed_jobs = _each(removed_tasks, client.delete)
    return CleanupReport(
        tuple(to_delete), tuple(removed_tasks), tuple(failed_tasks), tuple(removed_jobs), tuple(failed_jobs)
    )


def removal_event(name: str, soa_dir: str, cluster: str) -> SensuEvent | None:
    """The OK ``check_chronos_jobs.<s>.<i>`` event for a removed regular job (None for other names)."""
    from paasta_tools.config.soa_dir import read_service_files

    if is_temporary_job_name(name):
        return None  # an OK for a rerun copy would clear the real job's alert
    try:
        parsed = decompose_job_id(name)
        files = read_service_files(soa_dir, parsed.service)
    except (InvalidJobNameError, PaastaError):
        return None
    return build_event(check_name(CHECK_CHECK, parsed.service, parsed.instance), OK, REMOVED_OUTPUT, files, {}, cluster)
