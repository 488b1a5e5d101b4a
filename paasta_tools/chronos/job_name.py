"""Chronos job names: ``"<service> <instance>"`` and the temporary ``"tmp-<timestamp> <service> <instance>"``.

Chronos does not allow dots in names, so the space is the spacer there, while soa-configs refer to jobs
(``parents``) as ``service.instance``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from paasta_tools.errors import InvalidJobNameError

JobT = TypeVar("JobT", bound=Mapping[str, Any])

SPACER = " "
INTERNAL_SPACER = "."
TMP_JOB_IDENTIFIER = "tmp"


@dataclass(frozen=True)
class JobName:
    """A decomposed Chronos job name; ``tmp_prefix`` is set for temporary (rerun) jobs."""

    service: str
    instance: str
    tmp_prefix: str | None = None

    @property
    def is_temporary(self) -> bool:
        return self.tmp_prefix is not None

    def __str__(self) -> str:
        return SPACER.join(p for p in (self.tmp_prefix, self.service, self.instance) if p is not None)


def compose_job_id(service: str, instance: str) -> str:
    """The Chronos name of a job: ``"<service> <instance>"``."""
    return f"{service}{SPACER}{instance}"


def tmp_prefix_at(now: datetime.datetime) -> str:
    """``tmp-<now.isoformat() without ':' and '.'>``, e.g. ``tmp-2017-04-20T153012123456`` (``now`` is UTC)."""
    timestamp = now.replace(tzinfo=None).isoformat().replace(":", "").replace(".", "")
    return f"{TMP_JOB_IDENTIFIER}-{timestamp}"


def compose_tmp_job_id(tmp_prefix: str, job_name: str) -> str:
    """A temporary copy's name: ``tmp_prefix`` before an existing Chronos name (``"svc inst"``)."""
    return f"{tmp_prefix}{SPACER}{job_name}"


def decompose_job_id(job_id: str) -> JobName:
    """Split ``"svc inst"`` or ``"tmp<...> svc inst"``; InvalidJobNameError for anything else."""
    parts = job_id.split(SPACER)
    if len(parts) == 2 and all(parts):
        return JobName(service=parts[0], instance=parts[1])
    if len(parts) == 3 and parts[0].startswith(TMP_JOB_IDENTIFIER) and parts[1] and parts[2]:
        return JobName(service=parts[1], instance=parts[2], tmp_prefix=parts[0])
    raise InvalidJobNameError(
        f"invalid Chronos job name {job_id!r}: "
        "expected '<service> <instance>' or 'tmp-<timestamp> <service> <instance>'"
    )


def is_temporary_job_name(job_id: str) -> bool:
    """True for a well-formed temporary (rerun) job name."""
    try:
        return decompose_job_id(job_id).is_temporary
    except InvalidJobNameError:
        return False


def jobs_of_instance(jobs: Iterable[JobT], service: str, instance: str) -> list[JobT]:
    """The Chronos jobs (dicts with a ``name``) of ``service.instance``, temporary copies included, in order."""
    found = []
    for job in jobs:
        try:
            parsed = decompose_job_id(str(job.get("name", "")))
        except InvalidJobNameError:
            continue
        if (parsed.service, parsed.instance) == (service, instance):
            found.append(job)
    return found


def paasta_to_chronos_job_name(name: str) -> str:
    """``svc.inst`` (soa-configs) to ``"svc inst"`` (Chronos)."""
    return name.replace(INTERNAL_SPACER, SPACER)


def chronos_to_paasta_job_name(job_id: str) -> str:
    """``"svc inst"`` or a temporary name to ``svc.inst``."""
    name = decompose_job_id(job_id)
    return f"{name.service}{INTERNAL_SPACER}{name.instance}"
