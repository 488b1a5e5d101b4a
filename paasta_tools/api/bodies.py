"""The JSON bodies paasta-api answers, built from the status models of :mod:`paasta_tools.status` (pure).

``marathon_body`` and ``chronos_body`` take the MarathonInstanceStatus / ChronosInstanceStatus that
``paasta status`` renders, so the API and the command always agree.  ``app_tasks`` picks an app's
running Mesos tasks out of a master state, as upstream's ``get_tasks_from_app_id`` did.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from paasta_tools.marathon.deploy_status import MarathonDeployStatus
from paasta_tools.marathon.job_id import is_app_of_instance
from paasta_tools.status.chronos import ChronosInstanceStatus, ChronosJobStatus
from paasta_tools.status.marathon import MarathonInstanceStatus
from paasta_tools.status.report import to_jsonable

NO_DOCKER_IMAGE_MESSAGE = "Docker image is not in deployments.json."
CHRONOS_NOT_SET_UP_MESSAGE = "chronos job is not set up yet"
LAST_RESULTS = {"Success": "success", "Fail": "fail", "NotRun": "not_run"}
# Executor fields upstream dropped from a verbose task: they repeat every task of the executor.
EXECUTOR_TASK_LISTS = ("tasks", "completed_tasks", "queued_tasks")


def marathon_body(status: MarathonInstanceStatus) -> dict[str, Any]:
    """``marathon`` of the status body: app_count, desired_state, bounce_method, app_id, slaves,
    expected_instance_count, deploy_status, running_instance_count and, when Delayed, backoff_seconds."""
    desired = status.desired_app
    body: dict[str, Any] = {
        "app_count": len(status.apps),
        "desired_state": status.desired_state,
        "bounce_method": status.bounce_method,
        "app_id": status.desired_app_id.lstrip("/"),
        "slaves": sorted({task.host for task in desired.tasks if task.host}) if desired else [],
        "expected_instance_count": status.expected_count,
        "deploy_status": str(status.deploy_status),
        "running_instance_count": status.running_count,
    }
    if status.deploy_status is MarathonDeployStatus.Delayed:
        body["backoff_seconds"] = status.backoff_seconds
    return body


def marathon_error_body(app_count: int, desired_state: str, bounce_method: str, message: str) -> dict[str, Any]:
    """``marathon`` of an instance whose app cannot be built (upstream: no docker image in deployments.json)."""
    return {
        "app_count": app_count,
        "desired_state": desired_state,
        "bounce_method": bounce_method,
        "error_message": message,
    }


def instance_app_count(apps: Sequence[Mapping[str, Any]], service: str, instance: str) -> int:
    """How many of Marathon's ``apps`` (app JSON) belong to ``service.instance``."""
    return sum(1 for app in apps if is_app_of_instance(str(app.get("id", "")), service, instance))


def _time_text(when: datetime.datetime | None) -> str:
    return when.isoformat() if when is not None else "never"


def chronos_job_body(job: ChronosJobStatus) -> dict[str, Any]:
    """One Chronos job: status (disabled/chronos/mesos state), schedule or parents, command, last run."""
    running = bool(job.running_tasks) or job.graph_state == "running"
    body: dict[str, Any] = {
        "name": job.name,
        "temporary": job.temporary,
        "status": {
            "disabled_state": "not_scheduled" if job.disabled else "scheduled",
            "chronos_state": job.graph_state or "unknown",
            "mesos_state": "running" if running else "not_running",
        },
        "command": job.command,
        "last_status": {
            "result": LAST_RESULTS.get(job.last_result, "not_run"),
            "time": _time_text(job.last_time) if job.last_result in ("Success", "Fail") else "never",
        },
        "running_tasks": to_jsonable(job.running_tasks),
    }
    if job.schedule is not None:
        body["schedule_type"] = "schedule"
        body["schedule"] = {"schedule": job.schedule, "epsilon": job.epsilon, "time_zone": job.time_zone or "UTC"}
    else:
        body["schedule_type"] = "parents"
        body["parents"] = list(job.parents)
    return body


def chronos_body(status: ChronosInstanceStatus, desired_state: str) -> dict[str, Any]:
    """``chronos`` of the status body: desired state, every job of the instance (reruns included) and,
    at the top level as upstream had them, the fields of the regular job."""
    jobs = [chronos_job_body(job) for job in status.jobs]
    body: dict[str, Any] = {
        "desired_state": desired_state,
        "disabled": status.desired_disabled,
        "jobs": jobs,
    }
    regular = next((job for job in jobs if not job["temporary"]), jobs[0] if jobs else None)
    if regular is None:
        body["error_message"] = CHRONOS_NOT_SET_UP_MESSAGE
        return body
    shown = ("schedule_type", "schedule", "parents", "status", "command", "last_status")
    body.update({key: regular[key] for key in shown if key in regular})
    return body


def status_body(service: str, instance: str, git_sha: str, **scheduler: Any) -> dict[str, Any]:
    """``{service, instance, git_sha (8 chars), marathon|chronos: {...}}``."""
    return {"service": service, "instance": instance, "git_sha": git_sha[:8], **scheduler}


def task_id_prefix(app_id: str) -> str:
    """Mesos ids of an app's tasks start with the app id (``/`` as ``_``) and a dot."""
    return app_id.lstrip("/").replace("/", "_") + "."


def app_tasks(state: Mapping[str, Any], app_id: str, slave_hostname: str | None = None) -> list[dict[str, Any]]:
    """The running Mesos tasks of ``app_id`` in a master state (only those on ``slave_hostname`` if given)."""
    hosts = {str(s.get("id")): str(s.get("hostname")) for s in state.get("slaves") or ()}
    prefix = task_id_prefix(app_id)
    found = []
    for framework in state.get("frameworks") or ():
        for task in framework.get("tasks") or ():
            if not str(task.get("id", "")).startswith(prefix) or task.get("state") != "TASK_RUNNING":
                continue
            if slave_hostname is not None and hosts.get(str(task.get("slave_id"))) != slave_hostname:
                continue
            found.append(dict(task))
    return found


def slave_of(state: Mapping[str, Any], task: Mapping[str, Any]) -> dict[str, Any] | None:
    """The agent entry of the master state running ``task``."""
    return next((dict(s) for s in state.get("slaves") or () if s.get("id") == task.get("slave_id")), None)


def executor_of(agent_state: Mapping[str, Any], task_id: str) -> dict[str, Any] | None:
    """The executor of ``task_id`` in an agent state, without its task lists."""
    for framework in agent_state.get("frameworks") or ():
        for executor in framework.get("executors") or ():
            tasks = [*(executor.get("tasks") or ()), *(executor.get("queued_tasks") or ())]
            if executor.get("id") == task_id or any(t.get("id") == task_id for t in tasks):
                return {k: v for k, v in executor.items() if k not in EXECUTOR_TASK_LISTS}
    return None


def with_verbose_info(task: Mapping[str, Any], slave: Any, executor: Any) -> dict[str, Any]:
    """``task`` plus its ``slave`` and ``executor`` (upstream's add_slave_info / add_executor_info)."""
    return {**task, "slave": slave, "executor": executor}
