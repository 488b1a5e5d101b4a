"""The stdout/stderr components: which Mesos tasks belong to a service's instances, and their lines.

Tasks are found in a Mesos master's ``/master/state``: Marathon task ids start with the app id
(``<service>.<instance>.git….config….<uuid>``, ``_`` escaped as ``--``), Chronos task ids are
``ct:<due ms>:<attempt>:<service> <instance>:…``.  Sandbox files carry no time per line, so a line
read from a file when the command starts is stamped with its task's start (its first TASK_RUNNING
status); a line read later while following is stamped with the time it was read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paasta_tools.chronos.job_name import decompose_job_id as decompose_chronos_job
from paasta_tools.errors import InvalidJobNameError
from paasta_tools.logs.model import LogLine


@dataclass(frozen=True)
class SandboxTask:
    """A Mesos task of the service: where it ran and when it started."""

    task_id: str
    instance: str
    slave_id: str
    state: str
    started_at: datetime.datetime


def _unescape(part: str) -> str:
    return part.replace("--", "_")


def instance_of_task(task_id: str, service: str) -> str | None:
    """The instance of ``service`` that ``task_id`` (Marathon or Chronos) runs, or None if not the service's."""
    if task_id.startswith("ct:"):
        parts = task_id.split(":")
        if len(parts) < 4:
            return None
        try:
            job = decompose_chronos_job(parts[3])
        except InvalidJobNameError:
            return None
        return job.instance if job.service == service else None
    parts = task_id.split(".")
    if len(parts) < 3 or _unescape(parts[0]) != service:
        return None
    return _unescape(parts[1])


def _started_at(task: Mapping[str, Any], default: datetime.datetime) -> datetime.datetime:
    statuses = [s for s in task.get("statuses") or () if isinstance(s, Mapping)]
    running = [s for s in statuses if s.get("state") == "TASK_RUNNING"] or statuses
    try:
        return datetime.datetime.fromtimestamp(float(running[0]["timestamp"]), datetime.UTC)
    except (IndexError, KeyError, TypeError, ValueError, OverflowError):
        return default


def service_tasks(
    state: Mapping[str, Any],
    service: str,
    instances: Iterable[str] | None,
    now: datetime.datetime,
    include_completed: bool = True,
) -> list[SandboxTask]:
    """Tasks of ``service`` (of ``instances`` if given) in a master state, running ones first, then completed."""
    wanted = None if instances is None else set(instances)
    found = []
    for framework in state.get("frameworks") or ():
        tasks = [*(framework.get("tasks") or ())]
        if include_completed:
            tasks += [*(framework.get("completed_tasks") or ())]
        for task in tasks:
            task_id = str(task.get("id") or "")
            instance = instance_of_task(task_id, service)
            if instance is None or (wanted is not None and instance not in wanted):
                continue
            found.append(
                SandboxTask(
                    task_id,
                    instance,
                    str(task.get("slave_id") or ""),
                    str(task.get("state") or ""),
                    _started_at(task, now),
                )  # fmt: skip
            )
    return found


def agent_pids(state: Mapping[str, Any]) -> dict[str, str]:
    """``{agent id: pid}`` (``slave(1)@host:port``) of the master state's agents."""
    return {str(s.get("id")): str(s.get("pid") or "") for s in state.get("slaves") or ()}


def sandbox_lines(
    task: SandboxTask,
    stream: str,
    texts: Iterable[str],
    service: str,
    cluster: str,
    timestamp: datetime.datetime | None = None,
) -> list[LogLine]:
    """LogLines of the ``stream`` (stdout/stderr) file lines of ``task``, stamped ``timestamp`` or its start."""
    when = timestamp or task.started_at
    lines = []
    for text in texts:
        line = LogLine(when, stream, cluster, task.instance, "event", text, service, "")
        lines.append(LogLine(when, stream, cluster, task.instance, "event", text, service, line.to_json()))
    return lines
