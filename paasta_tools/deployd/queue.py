"""paasta-deployd's work queue: one entry per ``service.instance``, each with a not-before time.

Pure data structure (no threads, no clock): callers pass ``now``.  An entry is *due* once its
``wait_until`` has passed; among due entries the lowest ``priority`` goes first, then the earliest
``bounce_by`` (the deadline), then the first queued.  Queuing an instance that is already queued keeps
one entry, the one that comes out sooner.  An instance taken by a worker is *in progress* until
``done``: it is never handed to a second worker, but may be queued again meanwhile.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace

STARTUP_PRIORITY = 99


@dataclass(frozen=True)
class ServiceInstance:
    """A request to move one instance's bounce forward, and why (``watcher``)."""

    service: str
    instance: str
    watcher: str
    wait_until: float
    bounce_by: float
    priority: int = 0
    failures: int = 0
    processed_count: int = 0
    enqueue_time: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.service}.{self.instance}"

    def sort_key(self) -> tuple[int, float]:
        return (self.priority, self.bounce_by)


def _sooner(new: ServiceInstance, old: ServiceInstance) -> ServiceInstance:
    """The merge of two requests for one instance: the earliest times and the most urgent priority.

    The newer request's watcher and failure count are kept when it is the one pulling the entry forward.
    """
    base = new if new.wait_until <= old.wait_until else old
    return replace(
        base,
        wait_until=min(new.wait_until, old.wait_until),
        bounce_by=min(new.bounce_by, old.bounce_by),
        priority=min(new.priority, old.priority),
        enqueue_time=min(new.enqueue_time, old.enqueue_time),
    )


class BounceQueue:
    """Deduplicated delay queue; see the module docstring."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, ServiceInstance]] = {}
        self._in_progress: set[str] = set()
        self._counter = itertools.count()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[ServiceInstance]:
        return iter(sorted((item for _, item in self._entries.values()), key=lambda si: (si.wait_until, si.key)))

    def get(self, key: str) -> ServiceInstance | None:
        entry = self._entries.get(key)
        return entry[1] if entry else None

    @property
    def in_progress(self) -> frozenset[str]:
        return frozenset(self._in_progress)

    def put(self, item: ServiceInstance) -> ServiceInstance:
        """Queue ``item`` (merged with a queued entry of the same instance); returns what is queued now."""
        existing = self._entries.get(item.key)
        if existing is None:
            self._entries[item.key] = (next(self._counter), item)
            return item
        merged = _sooner(item, existing[1])
        self._entries[item.key] = (existing[0], merged)
        return merged

    def _due(self, now: float) -> list[tuple[int, ServiceInstance]]:
        return [
            (seq, item)
            for seq, item in self._entries.values()
            if item.wait_until <= now and item.key not in self._in_progress
        ]

    def pop_due(self, now: float) -> ServiceInstance | None:
        """Take the most urgent due entry and mark its instance in progress; None when nothing is due."""
        due = self._due(now)
        if not due:
            return None
        _, item = min(due, key=lambda entry: (*entry[1].sort_key(), entry[0]))
        del self._entries[item.key]
        self._in_progress.add(item.key)
        return item

    def done(self, key: str) -> None:
        """A worker finished ``key``: its queued entry (if any) may be handed out again."""
        self._in_progress.discard(key)

    def seconds_until_due(self, now: float) -> float | None:
        """How long until some entry can be taken (0 when one can now); None when none can ever be."""
        waits = [item.wait_until for _, item in self._entries.values() if item.key not in self._in_progress]
        if not waits:
            return None
        return max(0.0, min(waits) - now)
