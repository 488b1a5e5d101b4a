"""Fixtures shared by every test folder."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def devcluster_factory(tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Start devclusters in this process on free loopback ports; all are stopped after the test.

    ``factory(executor=None, apis=ALL_APIS, **settings)``: executor defaults to the fast no-op one.
    """
    from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
    from paasta_tools.devcluster.executors.noop import NoopExecutor
    from paasta_tools.devcluster.server import ALL_APIS, start_in_thread

    running = []

    def factory(executor=None, apis=ALL_APIS, data_dir: Path | None = None, **overrides):
        settings = DevclusterSettings(
            data_dir=data_dir or tmp_path / f"devcluster{len(running)}",
            marathon_port=free_port(),
            chronos_port=free_port(),
            mesos_port=free_port(),
            reconcile_interval=0.1,
            **overrides,
        )
        cluster = Cluster(settings, executor or NoopExecutor())
        handle = start_in_thread(cluster, apis=apis)
        running.append(handle)
        return handle

    yield factory
    for handle in running:
        handle.stop()
