"""AutoscalerWatcher: an autoscaler count written to ZooKeeper queues its instance at once.

A kazoo TreeCache over ``/autoscaling`` (under the cluster's chroot) keeps watches on every node;
a count node ``/autoscaling/<service>/<instance>/instances`` created or changed after the cache's
initial load queues that instance, which the worker then scales.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from paasta_tools.deployd.changes import AUTOSCALING_ROOT, autoscaled_instance

log = logging.getLogger(__name__)


class AutoscalerWatcher:
    """Calls ``on_change(service, instance)`` for each count node created or changed once started."""

    def __init__(self, client: Any, on_change: Callable[[str, str], None]) -> None:
        self.client = client
        self.on_change = on_change
        self.initialized = False
        self._cache: Any = None

    def start(self) -> None:
        from kazoo.recipe.cache import TreeCache

        self.client.ensure_path(AUTOSCALING_ROOT)
        self._cache = TreeCache(self.client, AUTOSCALING_ROOT)
        self._cache.listen(self._event)
        self._cache.start()

    def _event(self, event: Any) -> None:
        from kazoo.recipe.cache import TreeEvent

        if event.event_type == TreeEvent.INITIALIZED:
            self.initialized = True
            return
        if not self.initialized or event.event_type not in (TreeEvent.NODE_ADDED, TreeEvent.NODE_UPDATED):
            return
        pair = autoscaled_instance(event.event_data.path)
        if pair is None:
            return
        log.info("Number of instances changed or autoscaling enabled for first time for %s.%s", *pair)
        try:
            self.on_change(*pair)
        except Exception:  # the cache's event thread must survive a failing callback
            log.exception("Could not queue %s.%s after its autoscaling change", *pair)

    def stop(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
