"""``paasta status`` in API mode (``USE_API_ENDPOINT`` set): lines from paasta-api's status bodies (pure).

Marathon instances print upstream's API-mode lines: ``State:      <bouncing> - Desired state: <state>``
and the Marathon line; Chronos instances are turned back into the status model and rendered as in
direct mode.  The colours and texts come from :mod:`paasta_tools.status.marathon` / ``chronos``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from paasta_tools.marathon.deploy_status import MarathonDeployStatus
from paasta_tools.status.chronos import ChronosInstanceStatus, ChronosJobStatus, render_chronos_status
from paasta_tools.status.colors import Palette
from paasta_tools.status.marathon import (
    bouncing_status_human,
    deploy_status_text,
    desired_state_human,
    marathon_job_human,
)
from paasta_tools.status.mesos_tasks import MesosTaskRow
from paasta_tools.status.report import ClusterReport, render_cluster, whitelist_warning

TRUE_WORDS = ("y", "yes", "t", "true", "on", "1")
RESULTS = {"success": "Success", "fail": "Fail"}


def use_api_endpoint(environ: Mapping[str, str]) -> bool:
    """Whether ``USE_API_ENDPOINT`` asks for API mode (y, yes, t, true, on, 1 in any case)."""
    return environ.get("USE_API_ENDPOINT", "").strip().lower() in TRUE_WORDS


def _count(value: Any) -> int:
    """A count of a status body; 0 when it is missing or not a number."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _deploy_text(value: str, backoff_seconds: int, p: Palette) -> str | None:
    """The ``Status:`` text of a deploy status (None for NotRunning); one this paasta does not know, as it is."""
    known = {status.value: status for status in MarathonDeployStatus}
    if value not in known:
        return p.red(value)
    if known[value] is MarathonDeployStatus.NotRunning:
        return None
    return deploy_status_text(known[value], backoff_seconds, p)


def marathon_api_lines(service: str, instance: str, marathon: Mapping[str, Any], p: Palette) -> list[str]:
    """``State:`` and ``Marathon:`` lines of a status body's ``marathon`` (or its error message)."""
    if marathon.get("error_message"):
        return [str(marathon["error_message"])]
    expected = _count(marathon.get("expected_instance_count"))
    bouncing = bouncing_status_human(_count(marathon.get("app_count")), str(marathon.get("bounce_method")), p)
    desired = desired_state_human(str(marathon.get("desired_state")), expected, p)
    deploy = _deploy_text(str(marathon.get("deploy_status", "NotRunning")), _count(marathon.get("backoff_seconds")), p)
    running = _count(marathon.get("running_instance_count"))
    marathon_text = marathon_job_human(
        f"{service}.{instance}", str(marathon.get("app_id")), deploy, running, expected, p
    )
    return [f"State:      {bouncing} - Desired state: {desired}", marathon_text]


def _time(value: Any) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _task_row(task: Mapping[str, Any]) -> MesosTaskRow:
    return MesosTaskRow(
        task_id=str(task.get("task_id")),
        host=str(task.get("host")),
        mem=task.get("mem"),
        cpus=task.get("cpus"),
        deployed_at=_time(task.get("deployed_at")),
        state=str(task.get("state")),
    )


def chronos_job_from_body(job: Mapping[str, Any]) -> ChronosJobStatus:
    """The status model of one job of a status body's ``chronos.jobs``."""
    schedule = job.get("schedule") or {}
    last = job.get("last_status") or {}
    status = job.get("status") or {}
    result = RESULTS.get(str(last.get("result")), "NotRun")
    return ChronosJobStatus(
        name=str(job.get("name")),
        temporary=bool(job.get("temporary")),
        disabled=status.get("disabled_state") == "not_scheduled",
        graph_state=None if status.get("chronos_state") in (None, "unknown") else str(status["chronos_state"]),
        last_result=result,
        last_time=_time(last.get("time")) if result != "NotRun" else None,
        schedule=schedule.get("schedule") if job.get("schedule_type") == "schedule" else None,
        time_zone=schedule.get("time_zone"),
        epsilon=schedule.get("epsilon"),
        parents=tuple(job.get("parents") or ()),
        command=job.get("command"),
        running_tasks=tuple(_task_row(t) for t in job.get("running_tasks") or ()),
    )


def chronos_api_lines(body: Mapping[str, Any], cluster: str, now: datetime.datetime, p: Palette) -> list[str]:
    """The direct mode's Chronos lines, from a status body's ``chronos``."""
    chronos = body["chronos"]
    status = ChronosInstanceStatus(
        service=str(body.get("service")),
        instance=str(body.get("instance")),
        cluster=cluster,
        git_sha=str(body.get("git_sha")),
        desired_disabled=bool(chronos.get("disabled")),
        jobs=tuple(chronos_job_from_body(job) for job in chronos.get("jobs") or ()),
        now=now,
    )
    return render_chronos_status(status, 0, p)


def render_api_instance(body: Mapping[str, Any], cluster: str, now: datetime.datetime, p: Palette) -> list[str]:
    """``instance:`` and ``Git sha:`` lines, then the scheduler's lines, of one status body."""
    service, instance = str(body.get("service")), str(body.get("instance"))
    lines = [f"instance: {p.blue(instance)}", f"Git sha:    {body.get('git_sha')} (desired)"]
    if body.get("marathon") is not None:
        return lines + marathon_api_lines(service, instance, body["marathon"], p)
    if body.get("chronos") is not None:
        return lines + chronos_api_lines(body, cluster, now, p)
    return lines + [f"Not implemented: Looks like {instance} is not a Marathon instance"]


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "list", str: "str", bool: "bool", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def body_problem(body: Any) -> str | None:
    """Why a status body cannot be shown (not an object, or a scheduler part that is not one), or None."""
    if not isinstance(body, Mapping):
        return f"paasta-api answered a JSON {_json_type(body)} instead of a status object"
    for scheduler in ("marathon", "chronos"):
        part = body.get(scheduler)
        if part is not None and not isinstance(part, Mapping):
            return f"paasta-api answered a status whose {scheduler} is a JSON {_json_type(part)} instead of an object"
    return None


def answer_ok(answer: Any) -> bool:
    """Whether an instance's answer is a status without an error (upstream's API mode exited 1 otherwise)."""
    if isinstance(answer, str) or body_problem(answer) is not None:
        return False
    return not (answer.get("marathon") or {}).get("error_message")


def render_api_error(instance: str, message: str, p: Palette) -> list[str]:
    """The lines of an instance whose status paasta-api could not give."""
    return [f"instance: {p.blue(instance)}", p.red(f"Error: {message}")]


def render_api_cluster(
    cluster: str,
    not_deployed: Sequence[str],
    answers: Sequence[tuple[str, Mapping[str, Any] | str]],
    unknown_instances: Sequence[str],
    now: datetime.datetime,
    p: Palette,
) -> list[str]:
    """A cluster block as in direct mode: not-deployed instances, then each instance's answer (a status body,
    or the error message as a string), ``instance:`` lines indented by 2 and the others by 4."""
    lines = render_cluster(ClusterReport(cluster, tuple(not_deployed)), 0, p)
    for instance, answer in answers:
        problem = answer if isinstance(answer, str) else body_problem(answer)
        if problem is not None:
            shown = render_api_error(instance, problem, p)
        else:
            shown = render_api_instance(answer, cluster, now, p)
        lines += [("  " if "instance: " in line else "    ") + line for line in shown]
    return lines + whitelist_warning("instance", unknown_instances)
