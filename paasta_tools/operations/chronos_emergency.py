"""``paasta emergency-start|stop|restart`` for Chronos instances, as upstream's chronos_serviceinit.

emergency-start writes the job as configured and runs it now (refused for a disabled job: ``paasta start``
first); emergency-stop disables every job of the instance, temporary rerun copies included, and kills their
tasks; emergency-restart is stop then start.  Each returns an EmergencyResult for the caller to print.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paasta_tools.chronos.job_name import jobs_of_instance
from paasta_tools.operations.chronos_jobs import ChronosTarget, ConfiguredJob, job_dict_of

if TYPE_CHECKING:
    from paasta_tools.clients.chronos_client import ChronosClient

DISABLED_START_MESSAGE = "You cannot emergency start a disabled job. Run `paasta start` first."


@dataclass(frozen=True)
class EmergencyResult:
    """Whether the action was done, and what to tell the user."""

    ok: bool
    message: str


def instance_jobs(client: ChronosClient, service: str, instance: str) -> list[dict[str, Any]]:
    """Every Chronos job of the instance, disabled and temporary ones included."""
    return jobs_of_instance(client.list(), service, instance)


def resubmittable(job: Mapping[str, Any]) -> dict[str, Any]:
    """A listed job as it can be posted back: Chronos lists ``uris`` mirrored into ``fetch`` but refuses both."""
    body = dict(job)
    if body.get("uris") and "fetch" in body:
        body.pop("fetch")
    return body


def emergency_start(
    client: ChronosClient,
    job: ConfiguredJob,
    target: ChronosTarget,
    now: datetime.datetime,
    log: Callable[[str], None] | None = None,
) -> EmergencyResult:
    """Write the job as configured and start a run now; refused when the job is disabled or stopped."""
    built = job_dict_of(job, target, now)
    if built["disabled"]:
        return EmergencyResult(False, DISABLED_START_MESSAGE)
    line = f"EmergencyStart: Starting manual run of {built['name']} in Chronos"
    if log is not None:
        log(line)
    client.update(built)
    client.run(built["name"])
    return EmergencyResult(True, line)


def emergency_stop(
    client: ChronosClient, job: ConfiguredJob, target: ChronosTarget, log: Callable[[str], None] | None = None
) -> EmergencyResult:
    """Disable every job of the instance (tmp copies too) and kill their running tasks."""
    names = []
    for found in instance_jobs(client, job.config.service, job.config.instance):
        client.update(dict(resubmittable(found), disabled=True))
        client.delete_tasks(found["name"])
        names.append(found["name"])
    if not names:
        return EmergencyResult(True, f"No Chronos jobs of {job.paasta_name} to stop")
    line = f"EmergencyStop: Disabled and killed the tasks of {', '.join(names)} in Chronos"
    if log is not None:
        log(line)
    return EmergencyResult(True, line)


def emergency_restart(
    client: ChronosClient,
    job: ConfiguredJob,
    target: ChronosTarget,
    now: datetime.datetime,
    log: Callable[[str], None] | None = None,
) -> EmergencyResult:
    """emergency-stop, then emergency-start."""
    stopped = emergency_stop(client, job, target, log)
    started = emergency_start(client, job, target, now, log)
    return EmergencyResult(started.ok, f"{stopped.message}\n{started.message}")


def run_chronos_emergency(
    config: Any, system_config: Any, command: str, log: Callable[[str], None] | None = None
) -> str:
    """``paasta emergency-<command>`` of a Chronos instance (``config`` has its deployments entry).

    Returns the text to show; raises PaastaError when emergency-start is refused for a disabled job.
    """
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.chronos_jobs import chronos_client_for, target_from_system_config

    target = target_from_system_config(system_config, config.soa_dir, config.cluster)
    job = ConfiguredJob(config, read_service_files(config.soa_dir, config.service, cluster=config.cluster))
    client = chronos_client_for(system_config, config.cluster)
    now = datetime.datetime.now()
    if command == "stop":
        result = emergency_stop(client, job, target, log)
    elif command == "start":
        result = emergency_start(client, job, target, now, log)
    else:
        result = emergency_restart(client, job, target, now, log)
    if not result.ok:
        raise PaastaError(result.message)
    return result.message
