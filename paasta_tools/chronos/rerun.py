"""Rerun clones of Chronos jobs (``paasta rerun``, ``chronos_rerun``; upstream v0.70 semantics).

A rerun adds temporary copies named ``tmp-<UTC timestamp> <service> <instance>`` whose command is interpolated at
the execution date.  ``instance`` mode copies one job, drops its parents and runs it once as soon as possible
(``R1//PT1M``), so nothing downstream runs.  ``graph`` mode copies every job connected to it through parents,
sharing one tmp prefix: jobs without parents run once now and dependent copies keep their parents, renamed to the
copies, so the whole graph runs again in order.  Everything here works on job dicts and names; no I/O.
"""

from __future__ import annotations

import copy
import datetime
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.chronos.dependencies import parents_first
from paasta_tools.chronos.interpolation import parse_time_variables, uses_time_variables
from paasta_tools.chronos.job_name import chronos_to_paasta_job_name, compose_tmp_job_id, tmp_prefix_at
from paasta_tools.errors import RerunError

RUN_ONCE_NOW = "R1//PT1M"


class RerunType(enum.Enum):
    INSTANCE = "instance"
    GRAPH = "graph"


@dataclass(frozen=True)
class RerunSource:
    """A complete job dict (as built by format_chronos_job_dict) and its raw, uninterpolated ``cmd``."""

    job: Mapping[str, Any]
    raw_cmd: str | None


def _neighbours(parents_by_job: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    links: dict[str, set[str]] = {name: set() for name in parents_by_job}
    for child, parents in parents_by_job.items():
        for parent in parents:
            links.setdefault(parent, set()).add(child)
            links[child].add(parent)
    return links


def related_jobs(parents_by_job: Mapping[str, Sequence[str]], job: str) -> list[str]:
    """Every job connected to ``job`` through parents, in either direction, ``job`` included; sorted.

    ``parents_by_job`` maps each job name of the cluster to the names of its parents.
    """
    links = _neighbours(parents_by_job)
    found, todo = {job}, [job]
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return sorted(found)


def choose_rerun_type(job: str, related: Sequence[str], requested: RerunType | None) -> RerunType:
    """The requested type; without one, INSTANCE for a job with no relations, else RerunError listing them."""
    if requested is not None:
        return requested
    others = [name for name in related if name != job]
    if not others:
        return RerunType.INSTANCE
    raise RerunError(
        f"Job {job} has parent or child jobs ({', '.join(others)}). Use `--rerun-type instance` to rerun only "
        f"{job}, or `--rerun-type graph` to rerun all of them in dependency order."
    )


def _find_cycle(parents_by_job: Mapping[str, Sequence[str]], among: set[str]) -> list[str]:
    """A parent cycle inside ``among`` (every job of it waits on one), as names ending where they start."""
    start = min(among)
    trail, seen = [start], {start}
    while True:
        parent = min(p for p in parents_by_job[trail[-1]] if p in among)
        if parent in seen:
            return trail[trail.index(parent) :] + [parent]
        trail.append(parent)
        seen.add(parent)


def topological_order(parents_by_job: Mapping[str, Sequence[str]], names: Sequence[str]) -> list[str]:
    """``names`` with every parent before its children (ties by name); RerunError on a cycle.

    Parents outside ``names`` are ignored.
    """
    order, blocked = parents_first({name: parents_by_job.get(name, ()) for name in set(names)})
    if blocked:
        cycle = _find_cycle({n: list(parents_by_job.get(n, ())) for n in blocked}, blocked)
        raise RerunError(f"Jobs' parents form a cycle: {' -> '.join(cycle)}; fix the parents in soa-configs")
    return order


def check_execution_date(sources: Mapping[str, RerunSource], execution_date: datetime.datetime | None) -> None:
    """RerunError when a job uses time variables but no execution date was given."""
    if execution_date is not None:
        return
    for name in sorted(sources):
        raw_cmd = sources[name].raw_cmd
        if raw_cmd and uses_time_variables(raw_cmd):
            raise RerunError(
                f'"{chronos_to_paasta_job_name(name)}" uses time variables interpolation, '
                "please supply a `--execution_date` argument."
            )


def clone_job(
    source: RerunSource,
    tmp_prefix: str,
    run_time: datetime.datetime,
    keep_parents: bool = False,
    force_disabled: bool = False,
) -> dict[str, Any]:
    """A temporary copy of ``source.job`` named ``<tmp_prefix> <name>``, command interpolated at ``run_time``.

    A disabled job is refused unless ``force_disabled`` (the copy is then enabled).  With ``keep_parents`` a
    dependent job's parents are renamed to their copies under the same prefix; otherwise the copy loses them.
    Copies without parents run once as soon as Chronos gets them.
    """
    job = source.job
    if job.get("disabled") and not force_disabled:
        raise RerunError(
            f"Job {chronos_to_paasta_job_name(job['name'])} is disabled; use `--force-disabled` to rerun it anyway"
        )
    clone = copy.deepcopy(dict(job))
    clone["name"] = compose_tmp_job_id(tmp_prefix, job["name"])
    clone["disabled"] = False
    if source.raw_cmd:
        clone["command"] = parse_time_variables(source.raw_cmd, run_time)
    parents = clone.pop("parents", None)
    if keep_parents and parents:
        clone["parents"] = [compose_tmp_job_id(tmp_prefix, parent) for parent in parents]
    else:
        clone["schedule"] = RUN_ONCE_NOW
    return clone


def build_instance_rerun(
    source: RerunSource,
    execution_date: datetime.datetime | None,
    now: datetime.datetime,
    force_disabled: bool = False,
) -> dict[str, Any]:
    """The one clone of an ``instance`` rerun: parents dropped, run once now, tmp name stamped with ``now`` (UTC)."""
    check_execution_date({source.job["name"]: source}, execution_date)
    run_time = execution_date or now
    return clone_job(source, tmp_prefix_at(now), run_time, keep_parents=False, force_disabled=force_disabled)


def build_graph_rerun(
    sources: Mapping[str, RerunSource],
    execution_date: datetime.datetime | None,
    now: datetime.datetime,
    force_disabled: bool = False,
) -> list[dict[str, Any]]:
    """The clones of a ``graph`` rerun in the order to add them (parents first), sharing one tmp prefix.

    ``sources`` maps Chronos job names to the related jobs (see :func:`related_jobs`); a parent missing from
    it is an error, since its copy would not exist.
    """
    parents_by_job = {name: list(source.job.get("parents") or []) for name, source in sources.items()}
    for name, parents in parents_by_job.items():
        missing = [parent for parent in parents if parent not in sources]
        if missing:
            raise RerunError(f"Job {name!r} depends on {', '.join(map(repr, missing))}, which is not being rerun")
    check_execution_date(sources, execution_date)
    order = topological_order(parents_by_job, list(sources))
    prefix, run_time = tmp_prefix_at(now), execution_date or now
    return [
        clone_job(sources[name], prefix, run_time, keep_parents=True, force_disabled=force_disabled) for name in order
    ]
