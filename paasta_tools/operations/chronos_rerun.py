"""Rerunning Chronos jobs (``paasta rerun``, ``chronos_rerun``): temporary copies added to a cluster's Chronos.

The clones themselves are built by the pure ``paasta_tools.chronos.rerun``; this module loads the configured
jobs of the cluster (the dependency graph comes from soa-configs, as upstream's ``get_related_jobs_configs``),
builds their complete job dicts and adds the copies, parents first, through the client passed in.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from paasta_tools.chronos.job_name import compose_job_id, paasta_to_chronos_job_name
from paasta_tools.chronos.rerun import (
    RerunSource,
    RerunType,
    build_graph_rerun,
    build_instance_rerun,
    related_jobs,
)
from paasta_tools.errors import NoDeploymentsAvailable, NoDockerImageError, PaastaError, RerunError
from paasta_tools.operations.chronos_jobs import (
    ChronosTarget,
    ConfiguredJob,
    job_dict_of,
    load_cluster_jobs,
    load_configured_jobs,
)

if TYPE_CHECKING:
    from paasta_tools.clients.chronos_client import ChronosClient


@dataclass(frozen=True)
class RerunRequest:
    """What to rerun: one job, at which execution date (None: now), how, and whether disabled jobs may run."""

    service: str
    instance: str
    execution_date: datetime.datetime | None = None
    rerun_type: RerunType | None = None
    force_disabled: bool = False


def _ignore(service: str, error: PaastaError) -> None:
    """Other services' broken files only matter if they hold related jobs, which then are missing."""


def cluster_graph(jobs: Sequence[ConfiguredJob]) -> dict[str, list[str]]:
    """``{chronos name: [parent chronos names]}`` of configured jobs."""
    graph = {}
    for job in jobs:
        try:
            parents = job.config.get_parents() or []
        except PaastaError:
            parents = []
        graph[job.name] = [paasta_to_chronos_job_name(parent) for parent in parents]
    return graph


def related_job_names(request: RerunRequest, target: ChronosTarget) -> tuple[list[str], list[ConfiguredJob]]:
    """Every configured job connected to the requested one through parents (it included), and all the jobs."""
    load_configured_jobs(request.service, target.cluster, target.soa_dir, [request.instance])
    jobs = load_cluster_jobs(target.cluster, target.soa_dir, _ignore)
    name = compose_job_id(request.service, request.instance)
    return related_jobs(cluster_graph(jobs), name), jobs


def rerun_source(job: ConfiguredJob, target: ChronosTarget, now_local: datetime.datetime) -> RerunSource:
    """The complete job dict of ``job`` and its raw ``cmd``; RerunError when it was never deployed."""
    try:
        built = job_dict_of(job, target, now_local)
    except (NoDeploymentsAvailable, NoDockerImageError):
        raise RerunError(f"{job.paasta_name} has not been deployed to {target.cluster} yet: nothing to rerun") from None
    return RerunSource(built, job.config.get_cmd())


def build_rerun_jobs(
    request: RerunRequest,
    rerun_type: RerunType,
    jobs: Sequence[ConfiguredJob],
    related: Sequence[str],
    target: ChronosTarget,
    now: datetime.datetime,
) -> list[dict]:
    """The temporary jobs to add, in order; ``now`` is naive UTC (it names the copies)."""
    by_name = {job.name: job for job in jobs}
    name = compose_job_id(request.service, request.instance)
    now_local = datetime.datetime.now()
    if rerun_type is RerunType.INSTANCE:
        source = rerun_source(by_name[name], target, now_local)
        return [build_instance_rerun(source, request.execution_date, now, request.force_disabled)]
    sources = {related_name: rerun_source(by_name[related_name], target, now_local) for related_name in related}
    return build_graph_rerun(sources, request.execution_date, now, request.force_disabled)


def add_rerun_jobs(client: ChronosClient, clones: Sequence[dict]) -> list[str]:
    """Add the copies in order (parents first); returns their names.  ChronosError on the first failure."""
    added = []
    for clone in clones:
        client.add(clone)
        added.append(clone["name"])
    return added
