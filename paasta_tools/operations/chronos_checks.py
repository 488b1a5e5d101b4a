"""check_chronos_jobs: the Sensu status of each configured job from what Chronos says of its last runs.

``job_check`` is pure (a configured job, the Chronos job or None, and ``now`` in; status and output out);
``check_cluster_jobs`` reads the job list once and returns one CheckResult per configured job.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paasta_tools.chronos.last_run import LastRunState, get_status_last_run, job_is_stuck, sort_jobs
from paasta_tools.chronos.schedule import get_schedule_interval_in_seconds
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.monitoring import get_runbook
from paasta_tools.config.monitoring_events import CRITICAL, OK, WARNING, SensuEvent, build_event, check_name
from paasta_tools.operations.chronos_jobs import CHECK_CHECK, ConfiguredJob

if TYPE_CHECKING:
    from paasta_tools.clients.chronos_client import ChronosClient

MAX_REALERT_MINUTES = 24 * 60
DOCS_URL = "https://paasta.readthedocs.io/en/latest/workflow.html#re-running-failed-jobs"


@dataclass(frozen=True)
class CheckResult:
    """The status of one job; ``status`` None means no event (the job never ran yet)."""

    job: ConfiguredJob
    status: int | None
    output: str


def _interval(config: ChronosJobConfig, now: datetime.datetime) -> float | None:
    """Seconds between runs of a scheduled job; None for dependent jobs and unusable schedules."""
    schedule, time_zone = config.get_schedule(), config.get_schedule_time_zone()
    if not isinstance(schedule, str) or not isinstance(time_zone, str | None):
        return None
    return get_schedule_interval_in_seconds(schedule, time_zone, now)


def guess_realert_every(config: ChronosJobConfig, now: datetime.datetime) -> int:
    """Minutes between re-alerts: the job's interval, at most a day; -1 for jobs without a schedule."""
    interval = _interval(config, now)
    if interval is None:
        return -1
    return min(int(interval // 60), MAX_REALERT_MINUTES)


def check_overrides(job: ConfiguredJob, now: datetime.datetime) -> dict[str, Any]:
    """The instance's monitoring with check_chronos_jobs' alert_after 2m, check_every 1m and realert_every."""
    overrides = dict(job.config.get_monitoring())
    overrides.setdefault("alert_after", "2m")
    overrides["check_every"] = "1m"
    overrides["runbook"] = get_runbook(job.files, job.config.get_monitoring())
    overrides.setdefault("realert_every", guess_realert_every(job.config, now))
    return overrides


def failed_message(service: str, instance: str, cluster: str) -> str:
    """What a failed last run says, with the commands to look and to rerun."""
    where = f"-s {service} -i {instance} -c {cluster}"
    return (
        f"Last run of job {service}.{instance} Failed.\n"
        "You can view the logs for the job with:\n\n"
        f"    paasta logs {where}\n\n"
        "If your job didn't manage to start up, you can view the stdout and stderr of your job using:\n\n"
        f"    paasta status {where} -vv\n\n"
        "If you need to rerun your job for the datetime it was started, you can do so with:\n\n"
        f"    paasta rerun {where} -d {{datetime}}\n\n"
        f"See the docs on paasta rerun here:\n{DOCS_URL} for more details."
    )


def _stuck_message(job: ConfiguredJob, last_run: str, interval: float, cluster: str) -> str:
    service, instance = job.config.service, job.config.instance
    return (
        f"Job {job.paasta_name} with schedule {job.config.get_schedule()} hasn't run since {last_run}, "
        f"and is configured to run every {interval / 60:.1f} minutes.\n"
        f"You can view the logs for the job with:\n\n    paasta logs -s {service} -i {instance} -c {cluster}"
    )


def job_check(
    job: ConfiguredJob, chronos_job: Mapping[str, Any] | None, cluster: str, now: datetime.datetime
) -> tuple[int | None, str]:
    """(Sensu status or None, output) of a job from its Chronos job (None when Chronos lacks it); ``now`` aware."""
    name = job.paasta_name
    if chronos_job is None:
        if job.config.is_disabled():
            return OK, f"Job {name} is disabled - ignoring status."
        return WARNING, f"Warning: {name} isn't in chronos at all, which means it may not be deployed yet"
    if chronos_job.get("disabled"):
        return OK, f"Job {name} is disabled - ignoring status."
    last = get_status_last_run(chronos_job)
    interval = _interval(job.config, now)
    if interval is not None and job_is_stuck(last.timestamp, interval, now):
        return CRITICAL, _stuck_message(job, str(last.timestamp), interval, cluster)
    if last.state is LastRunState.FAIL:
        return CRITICAL, failed_message(job.config.service, job.config.instance, cluster)
    if last.state is LastRunState.SUCCESS:
        return OK, f"Last run of job {name} Succeded"
    return None, f"Job {name} has not run yet"


def realert_note(output: str, realert_every: Any) -> str:
    """``output`` with "This check realerts every <H>h<M>m." when a realert interval is set."""
    if not isinstance(realert_every, int) or realert_every == -1:
        return output
    hours, minutes = divmod(realert_every, 60)
    return f"{output}\n\nThis check realerts every {hours}h{minutes}m."


def check_event(result: CheckResult, cluster: str, now: datetime.datetime) -> SensuEvent | None:
    """The ``check_chronos_jobs.<service>.<instance>`` event of a result (None when there is nothing to say)."""
    if result.status is None:
        return None
    overrides = check_overrides(result.job, now)
    output = realert_note(result.output, overrides.get("realert_every"))
    name = check_name(CHECK_CHECK, result.job.config.service, result.job.config.instance)
    return build_event(name, result.status, output, result.job.files, overrides, cluster)


def newest_job(jobs_by_name: Mapping[str, Sequence[Mapping[str, Any]]], name: str) -> Mapping[str, Any] | None:
    """The most recently run of the Chronos jobs named ``name``, or None."""
    found = sort_jobs(jobs_by_name.get(name, ()))
    return found[0] if found else None


def check_cluster_jobs(
    client: ChronosClient, jobs: Sequence[ConfiguredJob], cluster: str, now: datetime.datetime
) -> list[CheckResult]:
    """One CheckResult per job that has a deployment; raises ChronosError when the job list cannot be read."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for chronos_job in client.list():
        by_name.setdefault(str(chronos_job.get("name")), []).append(chronos_job)
    results = []
    for job in jobs:
        if not job.config.get_docker_image():
            continue  # not deployed yet: nothing to check
        status, output = job_check(job, newest_job(by_name, job.name), cluster, now)
        results.append(CheckResult(job, status, output))
    return results
