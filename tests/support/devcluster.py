"""Writing a system-config directory that points at a running devcluster."""

from __future__ import annotations

from pathlib import Path

from paasta_tools.devcluster.server import RunningDevcluster
from paasta_tools.devcluster.system_config import DevclusterEndpoints, write_system_config


def write_devcluster_system_config(
    directory: Path,
    running: RunningDevcluster,
    *,
    zookeeper_port: int | None = None,
    registry: str | None = None,
    sensu_port: int | None = None,
) -> Path:
    """Write ``/etc/paasta``-style JSON files for ``running`` (a RunningDevcluster) into ``directory``.

    Use it with ``monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(path))``.
    """
    cluster = running.cluster
    endpoints = DevclusterEndpoints(
        cluster=cluster.settings.cluster,
        marathon_url=running.marathon_url,
        chronos_url=running.chronos_url,
        mesos_url=running.mesos_url,
        zookeeper_port=zookeeper_port,
        registry=registry,
        log_dir=Path(cluster.settings.data_dir) / "logs",
        sensu_port=sensu_port,
    )
    return write_system_config(directory, endpoints)
