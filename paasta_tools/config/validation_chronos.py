"""Semantic checks of chronos jobs that a JSON schema cannot express.

Schedules, commands, parents that exist in the cluster, jobs that are their own
parent and cycles through parents.  Pure: the caller reads the files and passes
the parsed jobs of every service the parents reach.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paasta_tools.chronos.interpolation import check_command
from paasta_tools.chronos.schedule import check_schedule, parse_period
from paasta_tools.config.validation_format import did_you_mean
from paasta_tools.errors import InvalidChronosConfigError

# service -> job name -> job dict, for one cluster.  A service without a chronos
# file for the cluster maps to an empty dict.
ClusterJobs = Mapping[str, Mapping[str, Any]]


def parent_names(job: Any) -> list[str]:
    """The ``service.instance`` parents of a job dict (a single string or a list); [] if malformed."""
    if not isinstance(job, dict):
        return []
    parents = job.get("parents")
    if isinstance(parents, str):
        return [parents]
    if isinstance(parents, list):
        return [p for p in parents if isinstance(p, str)]
    return []


def parent_services(jobs: Mapping[str, Any]) -> set[str]:
    """Services named by the parents of ``jobs``; the caller loads their chronos files."""
    return {name.split(".", 1)[0] for job in jobs.values() for name in parent_names(job) if "." in name}


def check_job(service: str, instance: str, job: Any, cluster_jobs: ClusterJobs) -> list[str]:
    """Error messages for one chronos job (empty when valid).

    Only values of the right type are checked here; wrong types are the schema's to report.
    """
    if not isinstance(job, dict):
        return []
    problems: list[str] = []
    schedule = job.get("schedule")
    time_zone = job.get("schedule_time_zone")
    if isinstance(schedule, str):
        problems.extend(check_schedule(schedule, time_zone if isinstance(time_zone, str) else None))
    epsilon = job.get("epsilon")
    if isinstance(epsilon, str):
        try:
            parse_period(epsilon)
        except InvalidChronosConfigError as exc:
            problems.append(f"epsilon: {exc}")
    cmd = job.get("cmd")
    if isinstance(cmd, str):
        message = check_command(cmd)
        if message:
            problems.append(message)
    problems.extend(_check_parents(service, instance, job, cluster_jobs))
    cycle = find_cycle(f"{service}.{instance}", cluster_jobs)
    if cycle:
        problems.append(f"Parents form a cycle: {' -> '.join(cycle)}")
    return problems


def _check_parents(service: str, instance: str, job: dict, cluster_jobs: ClusterJobs) -> list[str]:
    problems = []
    for parent in parent_names(job):
        if parent == f"{service}.{instance}":
            problems.append(f"Job {parent} cannot be its own parent")
            continue
        parent_service, _, parent_instance = parent.partition(".")
        if not parent_instance:
            continue  # not a job name at all: the schema reports the pattern
        jobs = cluster_jobs.get(parent_service) or {}
        if parent_instance not in jobs:
            choices = [f"{parent_service}.{name}" for name in jobs]
            problems.append(f"Parent job {parent} could not be found{did_you_mean(parent, choices)}")
    return problems


def find_cycle(start: str, cluster_jobs: ClusterJobs) -> list[str]:
    """A cycle through parents that includes ``start``, as a list of job names ending at ``start``; [] if none."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, trail = stack.pop()
        for parent in _parents_of(name, cluster_jobs):
            if parent == start:
                return trail + [start]
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, trail + [parent]))
    return []


def _parents_of(name: str, cluster_jobs: ClusterJobs) -> list[str]:
    service, _, instance = name.partition(".")
    job = (cluster_jobs.get(service) or {}).get(instance)
    # A self-parent is reported on its own; following it here would call it a cycle too.
    return [p for p in parent_names(job) if p != name]
