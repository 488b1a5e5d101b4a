"""The ZooKeeper locks of a Marathon deploy run, connected on first use and closed once."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, ExitStack
from typing import Any

from paasta_tools.clients import zookeeper


class ZkLocks:
    """``bounce(service, instance)`` and ``create()`` locks over one lazily started kazoo client.

    A run where no instance needs work never connects to ZooKeeper.
    """

    def __init__(self, zookeeper_url: str) -> None:
        self.zookeeper_url = zookeeper_url
        self._stack = ExitStack()
        self._client: Any = None
        self._connecting = threading.Lock()  # deploy workers share one connection

    @property
    def client(self) -> Any:
        with self._connecting:
            if self._client is None:
                self._client = self._stack.enter_context(zookeeper.zk_connection(self.zookeeper_url))
            return self._client

    def bounce(self, service: str, instance: str) -> AbstractContextManager[None]:
        """The per-instance lock; LockHeldError when another run holds it."""
        return zookeeper.bounce_lock(self.client, service, instance)

    def create(self) -> AbstractContextManager[None]:
        """The global create/delete lock."""
        return zookeeper.create_app_lock(self.client)

    def autoscaled_instances(self, service: str, instance: str) -> int | None:
        """The autoscaler's stored count for an instance with max_instances (None without a node)."""
        return zookeeper.read_autoscaled_instances(self.client, service, instance)

    def close(self) -> None:
        self._stack.close()
        self._client = None

    def __enter__(self) -> ZkLocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
