"""cleanup_marathon_jobs (§4.9): delete the Marathon apps of instances no longer in soa-configs.

``plan_app_cleanup`` is pure; ``cleanup_apps`` lists the apps, checks the kill threshold and deletes
each stale app under its instance's bounce lock, then resolves the instance's Sensu checks.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.clients import marathon_client
from paasta_tools.clients.log_writer import LogWriter, NullLogWriter
from paasta_tools.clients.zookeeper import LockHeldError
from paasta_tools.config.soa_dir import read_service_files
from paasta_tools.errors import InvalidJobNameError, MarathonError, PaastaError
from paasta_tools.marathon.job_id import JobId, deformat_job_id, format_job_id
from paasta_tools.operations import sensu_events
from paasta_tools.operations.locks import ZkLocks
from paasta_tools.operations.marathon_deploy import marathon_errors

log = logging.getLogger(__name__)


class DontKillEverythingError(PaastaError):
    """More than the kill threshold of the running apps would be deleted."""


@dataclass(frozen=True)
class AppCleanupPlan:
    running: tuple[JobId, ...]
    to_kill: tuple[JobId, ...]
    skipped_ids: tuple[str, ...]

    def above_threshold(self, kill_threshold: float) -> bool:
        return bool(self.running) and len(self.to_kill) / len(self.running) > kill_threshold


def plan_app_cleanup(
    running_app_ids: Iterable[str],
    valid_instances: Collection[tuple[str, str]],
    unreadable_services: Collection[str] = (),
) -> AppCleanupPlan:
    """Running apps whose (service, instance) is not valid are to be killed.

    Ids that are not paasta app ids are skipped; apps of a service whose soa-configs could not be
    read are kept (an unreadable file must not look like a removed service).
    """
    running: list[JobId] = []
    skipped: list[str] = []
    for app_id in running_app_ids:
        try:
            running.append(deformat_job_id(app_id))
        except InvalidJobNameError:
            skipped.append(app_id)
    valid = set(valid_instances)
    to_kill = [
        job
        for job in running
        if (job.service, job.instance) not in valid and job.service not in set(unreadable_services)
    ]
    return AppCleanupPlan(tuple(running), tuple(to_kill), tuple(skipped))


def threshold_message(kill_threshold: float) -> str:
    return (
        f"Paasta was about to kill more than {kill_threshold} of the running services, this is probably a BAD "
        "mistake!, run again with --force if you really need to destroy everything"
    )


@dataclass
class CleanupReport:
    deleted: list[str] = field(default_factory=list)
    skipped_locked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _resolve_checks(job: JobId, soa_dir: str, sensu: sensu_events.SensuTarget) -> None:
    try:
        files = read_service_files(soa_dir, job.service)
    except PaastaError:
        return  # the service is gone entirely: no team to send to
    for event in sensu_events.removed_instance_events(files, job.instance, files.monitoring, sensu.cluster):
        try:
            sensu_events.send(sensu, event)
        except OSError as exc:
            log.warning("Could not send the Sensu event %s: %s", event.check_name, exc)


def delete_stale_app(
    client: Any, locks: ZkLocks, job: JobId, soa_dir: str, sensu: sensu_events.SensuTarget, log_writer: LogWriter
) -> None:
    """Delete one app under its instance's bounce lock; LockHeldError when it is being bounced."""
    app_id = format_job_id(job.service, job.instance, job.git_hash, job.config_hash)
    with locks.bounce(job.service, job.instance):
        marathon_client.delete_app(client, app_id, force=True)
    _resolve_checks(job, soa_dir, sensu)
    line = f"Deleted stale marathon job that looks lost: {app_id}"
    log_writer.log(job.service, line, "deploy", level="event", cluster=sensu.cluster, instance=job.instance)


def cleanup_apps(
    client: Any,
    locks: ZkLocks,
    plan: AppCleanupPlan,
    soa_dir: str,
    sensu: sensu_events.SensuTarget,
    kill_threshold: float = 0.5,
    force: bool = False,
    log_writer: LogWriter | None = None,
) -> CleanupReport:
    """Delete ``plan.to_kill``; DontKillEverythingError above the threshold unless ``force``."""
    if plan.above_threshold(kill_threshold) and not force:
        raise DontKillEverythingError(threshold_message(kill_threshold))
    report = CleanupReport()
    for job in plan.to_kill:
        app_id = format_job_id(job.service, job.instance, job.git_hash, job.config_hash)
        try:
            delete_stale_app(client, locks, job, soa_dir, sensu, log_writer or NullLogWriter())
        except LockHeldError:
            log.debug("%s is being bounced, skipping", app_id)
            report.skipped_locked.append(app_id)
            continue
        except (PaastaError, *marathon_errors()) as exc:
            report.errors.append(f"Exception raised while deleting app {app_id}: {exc}")
            continue
        report.deleted.append(app_id)
    return report


def list_running_app_ids(client: Any) -> list[str]:
    """Every app id Marathon runs (without tasks: one light listing)."""
    try:
        return [app.id for app in marathon_client.list_apps(client)]
    except marathon_errors() as exc:
        raise MarathonError(f"Could not list the Marathon apps: {exc}") from exc
