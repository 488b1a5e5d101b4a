"""Which Chronos jobs to write and which to delete, from the configured jobs and the one job list Chronos gave.

Pure: ``plan_chronos_jobs(desired, existing)`` decides create / update / leave for every configured job by its
``description`` (the config hash, as upstream's setup_chronos_job did) and orders the writes so that a parent is
written before its children (Chronos refuses a dependent job whose parents it does not know).  A job whose
parents exist neither in Chronos nor among the configured jobs, or whose parents form a cycle, is reported as
broken and left out; the others go ahead.  ``plan_cleanup`` picks the jobs cleanup_chronos_jobs deletes.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.chronos.dependencies import parents_first
from paasta_tools.chronos.job_name import is_temporary_job_name
from paasta_tools.chronos.last_run import is_expired_tmp_job


class JobAction(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PlannedJob:
    """One configured job and what to do with it (``job`` is the complete dict to send)."""

    name: str
    action: JobAction
    job: Mapping[str, Any]


@dataclass(frozen=True)
class BrokenJob:
    """A configured job that cannot be written, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class ChronosPlan:
    """Every configured job in write order (parents first), and the ones left out."""

    jobs: tuple[PlannedJob, ...]
    broken: tuple[BrokenJob, ...] = ()

    @property
    def writes(self) -> tuple[PlannedJob, ...]:
        """The jobs to send to Chronos (created or changed), in order."""
        return tuple(job for job in self.jobs if job.action is not JobAction.UNCHANGED)


def existing_jobs_by_name(existing: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The regular (non-temporary) jobs of a Chronos job list by name."""
    return {
        str(job.get("name")): job
        for job in existing
        if job.get("name") is not None and not is_temporary_job_name(str(job["name"]))
    }


def job_action(desired: Mapping[str, Any], existing: Mapping[str, Any] | None) -> JobAction:
    """CREATE when Chronos lacks the job, UPDATE when its description (config hash) differs, else UNCHANGED."""
    if existing is None:
        return JobAction.CREATE
    if existing.get("description") != desired.get("description"):
        return JobAction.UPDATE
    return JobAction.UNCHANGED


def _parents(job: Mapping[str, Any]) -> list[str]:
    return [str(parent) for parent in job.get("parents") or []]


def _missing_parent_reason(
    name: str, job: Mapping[str, Any], in_chronos: set[str], desired: Iterable[str], broken: Mapping[str, str]
) -> str | None:
    for parent in _parents(job):
        if parent == name:
            return f"job '{name}' names itself as a parent"
        if parent in in_chronos or (parent in desired and parent not in broken):
            continue
        if parent in broken:
            return f"its parent '{parent}' cannot be set up ({broken[parent]})"
        return f"its parent '{parent}' is neither in Chronos nor configured in soa-configs"
    return None


def plan_chronos_jobs(
    desired: Mapping[str, Mapping[str, Any]],
    existing: Iterable[Mapping[str, Any]],
    unbuildable: Iterable[str] = (),
) -> ChronosPlan:
    """Plan the writes that make Chronos hold ``desired`` (complete job dicts by name).

    ``existing`` is the job list Chronos returned (``GET /scheduler/jobs``); temporary rerun jobs in it are
    ignored.  ``unbuildable`` names configured jobs whose dicts could not be built (reported by the caller):
    their children are broken unless Chronos already has them.  Returns a ChronosPlan whose ``jobs`` are in
    a safe write order.
    """
    current = existing_jobs_by_name(existing)
    order, cyclic = parents_first({name: [p for p in _parents(job) if p != name] for name, job in desired.items()})
    failed = {name: "its configuration cannot be used" for name in unbuildable}
    broken: dict[str, str] = {name: "its parents form a cycle: " + ", ".join(sorted(cyclic)) for name in sorted(cyclic)}
    in_chronos = set(current)
    planned = []
    for name in order:
        reason = _missing_parent_reason(name, desired[name], in_chronos, desired, {**failed, **broken})
        if reason is not None:
            broken[name] = reason
            continue
        planned.append(PlannedJob(name, job_action(desired[name], current.get(name)), desired[name]))
    return ChronosPlan(
        jobs=tuple(planned),
        broken=tuple(BrokenJob(name, reason) for name, reason in broken.items()),
    )


def plan_cleanup(
    existing: Iterable[Mapping[str, Any]], expected: Sequence[str] | set[str], now: datetime.datetime
) -> list[str]:
    """Names of Chronos jobs to delete: neither configured (``expected`` Chronos names) nor an unexpired
    temporary rerun job (one that has not finished more than 24 h before ``now``, aware UTC).  Sorted.
    """
    wanted = set(expected)
    doomed = []
    for job in existing:
        name = str(job.get("name"))
        if name in wanted:
            continue
        if is_temporary_job_name(name) and not is_expired_tmp_job(job, now):
            continue
        doomed.append(name)
    return sorted(doomed)
