"""The system-config documents (``/etc/paasta/*.json``) that point paasta at a devcluster.

Pure: ``system_config_documents`` returns ``{file name: JSON document}``; ``write_system_config``
writes them into a directory that ``PAASTA_SYSTEM_CONFIG_DIR`` can name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paasta_tools.devcluster.json_files import write_json


@dataclass(frozen=True)
class DevclusterEndpoints:
    """Where one devcluster's parts answer, as the system config describes them."""

    cluster: str
    marathon_url: str
    chronos_url: str
    mesos_url: str
    zookeeper_port: int | None
    registry: str | None  # host:port of the docker registry
    log_dir: Path
    sensu_port: int | None = None
    synapse_port: int | None = None  # set only when the devcluster runs SmartStack
    hacheck_port: int | None = None
    api_url: str | None = None  # set only when the devcluster runs paasta-api


def smartstack_document(synapse_port: int, hacheck_port: int | None) -> dict[str, Any]:
    """``smartstack.json``: where the synapse stats CSV answers (and, for people, the hacheck port)."""
    document: dict[str, Any] = {"synapse_host": "127.0.0.1", "synapse_port": synapse_port}
    if hacheck_port is not None:
        document["hacheck_port"] = hacheck_port
    return document


def system_config_documents(endpoints: DevclusterEndpoints) -> dict[str, dict[str, Any]]:
    """The documents, keyed by file name, in the shapes of upstream's example cluster."""
    name = endpoints.cluster
    marathon_config = {"url": endpoints.marathon_url, "user": None, "password": None}
    chronos_config = {"url": [endpoints.chronos_url], "user": None, "password": None}
    zookeeper = f"zk://127.0.0.1:{endpoints.zookeeper_port or 2181}/mesos-{name}"
    log_path = str(endpoints.log_dir / "{service}.log")
    documents = {
        "cluster.json": {"cluster": name, "zookeeper": zookeeper, "mesos_url": endpoints.mesos_url},
        "marathon.json": {"marathon_config": marathon_config},
        "chronos.json": {"chronos_config": chronos_config},
        "clusters.json": {
            "clusters": {
                name: {
                    "marathon_config": marathon_config,
                    "chronos_config": chronos_config,
                    "mesos_url": endpoints.mesos_url,
                }
            }
        },
        "docker_registry.json": {"docker_registry": endpoints.registry or "127.0.0.1:5000"},
        "volumes.json": {"volumes": []},
        "sensu.json": {
            "sensu_host": "127.0.0.1" if endpoints.sensu_port else None,
            "sensu_port": endpoints.sensu_port or 3030,
        },
        "logs.json": {
            "log_writer": {"driver": "file", "options": {"path_format": log_path}},
            "log_reader": {"driver": "file", "options": {"path_format": log_path, "cluster_map": {name: name}}},
        },
        "dashboards.json": {
            "dashboard_links": {
                name: {
                    "Marathon": endpoints.marathon_url,
                    "Chronos": endpoints.chronos_url,
                    "Mesos": endpoints.mesos_url,
                }
            }
        },
        "local_run.json": {"local_run_config": {"default_cluster": name}},
    }
    if endpoints.synapse_port is not None:
        documents["smartstack.json"] = smartstack_document(endpoints.synapse_port, endpoints.hacheck_port)
    if endpoints.api_url is not None:
        documents["api.json"] = {"api_endpoints": {name: endpoints.api_url}}
    return documents


def write_system_config(directory: Path, endpoints: DevclusterEndpoints) -> Path:
    """Write the documents into ``directory`` (created; each file replaced atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    documents = system_config_documents(endpoints)
    for optional in ("smartstack.json", "api.json"):
        if optional not in documents:
            (directory / optional).unlink(missing_ok=True)  # left by an earlier run with SmartStack / paasta-api
    for file_name, document in documents.items():
        write_json(directory / file_name, document)
    return directory
