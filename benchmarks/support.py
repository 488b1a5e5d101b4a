"""What the benchmarks share: free loopback ports, an in-process devcluster, deployments.json and timed runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 (for now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_devcluster(work: Path, apis: Sequence[str], **settings: Any) -> Any:
    """A devcluster with the no-op executor under ``work/devcluster``, serving ``apis`` in a thread."""
    from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
    from paasta_tools.devcluster.executors.noop import NoopExecutor
    from paasta_tools.devcluster.server import start_in_thread

    ports = {"marathon_port": free_port(), "chronos_port": free_port(), "mesos_port": free_port()}
    cluster_settings = DevclusterSettings(data_dir=work / "devcluster", **ports, **settings)
    return start_in_thread(Cluster(cluster_settings, NoopExecutor()), apis=tuple(apis))


def write_deployments(directory: Path, service: str, instances: Iterable[str], sha: str) -> None:
    """``deployments.json`` (v1) running ``sha`` for every devcluster instance of ``service``."""
    v1 = {
        f"{service}:paasta-devcluster.{name}": {
            "docker_image": f"services-{service}:paasta-{sha}",
            "desired_state": "start",
            "force_bounce": None,
        }
        for name in instances
    }
    (directory / "deployments.json").write_text(json.dumps({"v1": v1}))


def timed(run: Callable[[], int]) -> tuple[int, float]:
    """``run()``'s exit code and how many seconds it took."""
    start = time.perf_counter()
    code = run()
    return code, time.perf_counter() - start


def timed_subprocess(command: Sequence[str]) -> tuple[int, float]:
    """The exit code and wall time of ``command`` run with this environment."""
    return timed(lambda: subprocess.run(list(command), env=os.environ).returncode)
