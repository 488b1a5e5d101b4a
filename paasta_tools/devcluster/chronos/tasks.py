"""Chronos tasks: task ids, the TaskSpec a job runs as, and the Mesos view of a task."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from paasta_tools.devcluster.executors.base import DockerSpec, TaskSpec, Volume

TASK_NAME_PREFIX = "ChronosTask:"


def task_id(due_millis: int, attempt: int, job_name: str, arguments: str = "") -> str:
    """Chronos 2.x ``TaskUtils.getTaskId``: ``ct:<dueMillis>:<attempt>:<jobName>:<arguments>``."""
    return f"ct:{due_millis}:{attempt}:{job_name}:{arguments}"


def clean_arguments(arguments: str | None) -> str:
    """Manual-run ``arguments`` as Chronos keeps them: ``;`` stripped (no command chaining)."""
    return (arguments or "").replace(";", "")


def constraint_matches(constraint: list[str], attributes: Mapping[str, str], hostname: str) -> bool:
    """One Chronos constraint against the agent: EQUALS, LIKE (full regex match) or UNLIKE."""
    name, operator, value = constraint
    actual = hostname if name == "hostname" else attributes.get(name)
    if operator == "UNLIKE":
        return actual is None or not _full_match(value, actual)
    if actual is None:
        return False
    return actual == value if operator == "EQUALS" else _full_match(value, actual)


def _full_match(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


def offer_matches(job: dict[str, Any], attributes: Mapping[str, str], hostname: str) -> bool:
    """Whether the agent's offer satisfies every constraint of ``job`` (else its tasks wait in the queue)."""
    return all(constraint_matches(constraint, attributes, hostname) for constraint in job["constraints"])


def _docker_spec(container: dict[str, Any]) -> tuple[DockerSpec, tuple[Volume, ...]]:
    docker = DockerSpec(
        image=container["image"],
        network=container["network"],
        parameters=tuple((item["key"], item["value"]) for item in container["parameters"]),
        force_pull=container["forcePullImage"],
    )
    volumes = tuple(
        Volume(container_path=item["containerPath"], host_path=item["hostPath"], mode=item.get("mode", "RW"))
        for item in container["volumes"]
        if "hostPath" in item
    )
    return docker, volumes


def task_env(job: dict[str, Any], task: str, hostname: str) -> dict[str, str]:
    """The variables Chronos' MesosTaskBuilder sets, then the job's own ``environmentVariables``."""
    env = {
        "mesos_task_id": task,
        "CHRONOS_JOB_OWNER": job["owner"],
        "CHRONOS_JOB_NAME": job["name"],
        "HOST": hostname,
        "CHRONOS_RESOURCE_MEM": str(job["mem"]),
        "CHRONOS_RESOURCE_CPU": str(job["cpus"]),
        "CHRONOS_RESOURCE_DISK": str(job["disk"]),
        "MESOS_TASK_ID": task,
    }
    env.update({item["name"]: item["value"] for item in job["environmentVariables"]})
    return env


def build_task_spec(job: dict[str, Any], task: str, arguments: str, hostname: str) -> TaskSpec:
    """What the executor runs for one task of ``job``.

    A shell job runs ``command`` (plus manual-run ``arguments``) through ``sh -c``; a ``shell: false``
    job runs ``command`` as the executable with ``arguments`` as its argv, as Mesos' CommandInfo does.
    """
    command = job["command"] + (f" {arguments}" if arguments else "")
    docker, volumes = _docker_spec(job["container"]) if "container" in job else (None, ())
    shell = job["shell"]
    return TaskSpec(
        task_id=task,
        framework="chronos",
        name=job["name"],
        cmd=command,
        args=None if shell else tuple(job["arguments"]),
        env=task_env(job, task, hostname),
        docker=docker,
        volumes=volumes,
        cpus=job["cpus"],
        mem=job["mem"],
        disk=job["disk"],
        shell=shell,
        labels={},
    )


def spec_to_doc(spec: TaskSpec) -> dict[str, Any]:
    """A TaskSpec as a JSON document (kept so a restarted devcluster can recover the task)."""
    return dataclasses.asdict(spec)


def spec_from_doc(doc: dict[str, Any]) -> TaskSpec:
    docker = (
        DockerSpec(**{**doc["docker"], "parameters": tuple(tuple(p) for p in doc["docker"]["parameters"])})
        if doc["docker"]
        else None
    )
    return TaskSpec(
        **{
            **doc,
            "args": None if doc["args"] is None else tuple(doc["args"]),
            "docker": docker,
            "volumes": tuple(Volume(**volume) for volume in doc["volumes"]),
            "port_mappings": (),
        }
    )


def mesos_task(
    task: str,
    job: str,
    resources: dict[str, float],
    state: str,
    timestamps: list[tuple[str, float]],
    ids: dict[str, str],
) -> dict[str, Any]:
    """A task in the Mesos master ``/state`` shape (``ids``: framework_id, slave_id)."""
    return {
        "id": task,
        "name": TASK_NAME_PREFIX + job,
        "framework_id": ids["framework_id"],
        "executor_id": "",
        "slave_id": ids["slave_id"],
        "state": state,
        "resources": dict(resources),
        "statuses": [{"state": name, "timestamp": moment} for name, moment in timestamps],
        "labels": [],
    }
