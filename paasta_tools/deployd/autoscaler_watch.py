"""AutoscalerWatcher: an autoscaler count written to ZooKeeper queues its instance at once.

As upstream: children watches on ``/autoscaling`` (under the cluster's chroot) and on each
``/autoscaling/<service>`` find the instances, and a data watch on each count node
``/autoscaling/<service>/<instance>/instances`` reports its creation and changes.  Only the count
nodes are read: the autoscaler's state nodes beside them (``historical_load`` may hold a megabyte)
are never fetched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from paasta_tools.deployd.changes import AUTOSCALING_ROOT

log = logging.getLogger(__name__)

LOCK_NODE = "autoscaling.lock"


class AutoscalerWatcher:
    """Calls ``on_change(service, instance)`` for each count node created or changed once started."""

    def __init__(self, client: Any, on_change: Callable[[str, str], None]) -> None:
        self.client = client
        self.on_change = on_change
        self.initialized = False
        self._stopped = False
        self._lock = threading.Lock()
        self._services: set[str] = set()
        self._instances: dict[str, set[str]] = {}
        self._counts: set[str] = set()

    def start(self) -> None:
        """Set the watches; the counts there now are the baseline (the initial reads happen here)."""
        from kazoo.recipe.watchers import ChildrenWatch

        self.client.ensure_path(AUTOSCALING_ROOT)
        ChildrenWatch(self.client, AUTOSCALING_ROOT, self._services_changed)
        self.initialized = True

    def stop(self) -> None:
        self._stopped = True  # each watch ends at its next call (kazoo stops a watch whose function returns False)

    def _new(self, known: set[str], names: Iterable[str]) -> list[str]:
        """The names not in ``known``, which becomes ``names`` (a deleted node may come back)."""
        names = list(names)
        with self._lock:
            fresh = [name for name in names if name not in known]
            known.clear()
            known.update(names)
        return fresh

    def _services_changed(self, children: list[str]) -> bool:
        from kazoo.recipe.watchers import ChildrenWatch

        if self._stopped:
            return False
        for service in self._new(self._services, (c for c in children if c != LOCK_NODE)):
            known = self._instances.setdefault(service, set())
            known.clear()

            def instances_changed(names: list[str], service: str = service, known: set[str] = known) -> bool:
                return self._instances_changed(service, known, names)

            ChildrenWatch(self.client, f"{AUTOSCALING_ROOT}/{service}", instances_changed)
        return True

    def _instances_changed(self, service: str, known: set[str], children: list[str]) -> bool:
        if self._stopped:
            return False
        for instance in self._new(known, children):
            self._watch_count(service, instance)
        return True

    def _watch_count(self, service: str, instance: str) -> None:
        from kazoo.recipe.watchers import DataWatch

        path = f"{AUTOSCALING_ROOT}/{service}/{instance}/instances"
        with self._lock:
            if path in self._counts:  # a data watch outlives the node's deletion: one per path is enough
                return
            self._counts.add(path)
        baseline = not self.initialized  # set up by start(): what is there now is no change
        first = [True]

        def count_changed(data: bytes | None, stat: Any, event: Any = None) -> bool:
            if self._stopped:
                return False
            initial, first[0] = first[0], False
            if stat is not None and not (initial and baseline):
                self._queue(service, instance)
            return True

        DataWatch(self.client, path, count_changed)

    def _queue(self, service: str, instance: str) -> None:
        log.info("Number of instances changed or autoscaling enabled for first time for %s.%s", service, instance)
        try:
            self.on_change(service, instance)
        except Exception:  # kazoo's event thread must survive a failing callback
            log.exception("Could not queue %s.%s after its autoscaling change", service, instance)
