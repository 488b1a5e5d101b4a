"""What paasta-deployd should bounce, and when: pure decisions over file fingerprints and timestamps.

The watcher turns the soa dir into fingerprints ``{(service, file name): digest}``; comparing two
snapshots names the services whose deploy-relevant files changed.  Which of their instances really
need a bounce is decided against Marathon (``marathon.bounce_plan.instance_needs_work``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from paasta_tools.deployd.queue import ServiceInstance

Fingerprints = Mapping[tuple[str, str], str]

SERVICE_WIDE_FILES = ("service.yaml", "deployments.json", "smartstack.yaml")
FAILURE_BACKOFF_BASE = 2
FAILURE_BACKOFF_MAX_S = 6000


def watched_file_names(cluster: str) -> frozenset[str]:
    """The files of a service whose change may change one of its Marathon apps in ``cluster``."""
    return frozenset((f"marathon-{cluster}.yaml", *SERVICE_WIDE_FILES))


def changed_services(before: Fingerprints, after: Fingerprints) -> list[str]:
    """Services (sorted) with a watched file added, removed or modified between the two snapshots."""
    changed = {key[0] for key in before.keys() ^ after.keys()}
    changed.update(key[0] for key, digest in after.items() if key in before and before[key] != digest)
    return sorted(changed)


def changed_system_files(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """System config files (relative paths, sorted) added, removed or modified."""
    keys = before.keys() | after.keys()
    return sorted(key for key in keys if before.get(key) != after.get(key))


@dataclass(frozen=True)
class RateLimit:
    """``per_minute`` instances a minute, the first one at ``start``."""

    start: float
    per_minute: float

    @property
    def step(self) -> float:
        return 60.0 / self.per_minute

    def at(self, index: int) -> float:
        return self.start + index * self.step

    def span(self, count: int) -> float:
        """Seconds from the first to one step after the last of ``count`` instances."""
        return max(count, 1) * self.step


def rate_limited(
    instances: Iterable[tuple[str, str]],
    limit: RateLimit,
    watcher: str,
    priority: int = 0,
) -> list[ServiceInstance]:
    """Queue entries for ``instances`` spaced ``limit.step`` seconds apart, in the given order.

    Each entry's not-before time and deadline are its slot, so a slow sweep never starves the
    bounces the watchers ask for.
    """
    return [
        ServiceInstance(
            service=service,
            instance=instance,
            watcher=watcher,
            wait_until=limit.at(index),
            bounce_by=limit.at(index),
            priority=priority,
            enqueue_time=limit.start,
        )
        for index, (service, instance) in enumerate(instances)
    ]


def failure_backoff(failures: int, factor: float, max_time: float = FAILURE_BACKOFF_MAX_S) -> float:
    """Seconds before retrying an instance that failed ``failures`` times in a row: factor * 2**failures, capped."""
    return min(factor * FAILURE_BACKOFF_BASE**failures, max_time)


def requeue_after_step(
    item: ServiceInstance,
    now: float,
    worker: str,
    bounce_again_in: float | None,
    failed: bool,
    backoff_factor: float,
) -> ServiceInstance | None:
    """The entry to queue after a worker's step on ``item``, or None when the instance is steady.

    A failed step is retried after the exponential backoff; an unfinished bounce after
    ``bounce_again_in`` seconds, with the failure count reset.
    """
    if failed:
        failures = item.failures + 1
        delay: float | None = failure_backoff(failures, backoff_factor)
    else:
        failures = 0
        delay = bounce_again_in
    if delay is None:
        return None
    return ServiceInstance(
        service=item.service,
        instance=item.instance,
        watcher=worker,
        wait_until=now + delay,
        bounce_by=now + delay,
        priority=item.priority,
        failures=failures,
        processed_count=item.processed_count + 1,
        enqueue_time=now,
    )


AUTOSCALING_ROOT = "/autoscaling"


def autoscaled_instance(path: str) -> tuple[str, str] | None:
    """``(service, instance)`` of an autoscaler count node ``/autoscaling/<service>/<instance>/instances``."""
    parts = path.strip("/").split("/")
    if len(parts) == 4 and f"/{parts[0]}" == AUTOSCALING_ROOT and parts[3] == "instances":
        return parts[1], parts[2]
    return None
