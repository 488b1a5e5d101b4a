"""From an app definition to the executor's TaskSpec: host ports, docker settings, the injected environment."""

from __future__ import annotations

import re
from typing import Any

from paasta_tools.devcluster.executors.base import DockerSpec, PortMapping, TaskSpec, Volume
from paasta_tools.devcluster.marathon.model import network, port_mappings

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def host_port_count(definition: dict[str, Any]) -> int:
    """How many host ports a task of this app needs (mappings with a host port, or port definitions)."""
    mappings = port_mappings(definition)
    if mappings and network(definition) in ("BRIDGE", "USER"):
        return sum(1 for m in mappings if m.get("hostPort") is not None)
    return len(definition["portDefinitions"])


def fixed_host_ports(definition: dict[str, Any]) -> list[int | None]:
    """Per host port: the fixed number the app requires, or None for "any" (Marathon picks from the offer)."""
    mappings = port_mappings(definition)
    if mappings and network(definition) in ("BRIDGE", "USER"):
        return [m["hostPort"] or None for m in mappings if m.get("hostPort") is not None]
    if definition["requirePorts"]:
        return [d["port"] or None for d in definition["portDefinitions"]]
    return [None for _ in definition["portDefinitions"]]


def _mappings(definition: dict[str, Any], host_ports: list[int]) -> list[PortMapping]:
    mappings = port_mappings(definition)
    if mappings and network(definition) in ("BRIDGE", "USER"):
        with_host = [m for m in mappings if m.get("hostPort") is not None]
        return [
            PortMapping(m["containerPort"] or port, port, m["protocol"].split(",")[0])
            for m, port in zip(with_host, host_ports, strict=False)
        ]
    protocols = [d["protocol"].split(",")[0] for d in definition["portDefinitions"]]
    return [PortMapping(port, port, protocol) for port, protocol in zip(host_ports, protocols, strict=False)]


def _port_env(definition: dict[str, Any], mappings: list[PortMapping]) -> dict[str, str]:
    """PORT0..n, PORT, PORTS, PORT_<declared port> and PORT_<NAME>, as Marathon's EnvironmentHelper."""
    env: dict[str, str] = {}
    docker_mappings = port_mappings(definition)
    declared = docker_mappings or definition["portDefinitions"]
    for index, mapping in enumerate(mappings):
        env[f"PORT{index}"] = str(mapping.host_port)
        entry = declared[index] if index < len(declared) else {}
        number = entry.get("containerPort") if docker_mappings else entry.get("port")
        if number:
            env[f"PORT_{number}"] = str(mapping.host_port)
        if entry.get("name"):
            env[f"PORT_{entry['name'].upper().replace('-', '_')}"] = str(mapping.host_port)
    if mappings:
        env["PORT"] = str(mappings[0].host_port)
        env["PORTS"] = ",".join(str(m.host_port) for m in mappings)
    return env


def _label_env(labels: dict[str, str]) -> dict[str, str]:
    usable = {k: v for k, v in labels.items() if _LABEL_NAME.match(k) and len(v) < 512}
    env = {"MARATHON_APP_LABELS": " ".join(k.upper() for k in usable)}
    for key, value in usable.items():
        env[f"MARATHON_APP_LABEL_{key.upper()}"] = value
    return env


def task_env(
    definition: dict[str, Any], version: str, task_id: str, host: str, mappings: list[PortMapping]
) -> dict[str, str]:
    """The app's env plus what Marathon injects (MARATHON_*, PORT*, HOST, MESOS_TASK_ID).

    The executors add what the Mesos agent injects (MESOS_SANDBOX, MESOS_CONTAINER_NAME).
    """
    env = {k: v for k, v in definition["env"].items() if isinstance(v, str)}
    env.update(_port_env(definition, mappings))
    docker = (definition.get("container") or {}).get("docker")
    env.update(
        {
            "HOST": host,
            "MESOS_TASK_ID": task_id,
            "MARATHON_APP_ID": definition["id"],
            "MARATHON_APP_VERSION": version,
            "MARATHON_APP_RESOURCE_CPUS": str(float(definition["cpus"])),
            "MARATHON_APP_RESOURCE_MEM": str(float(definition["mem"])),
            "MARATHON_APP_RESOURCE_DISK": str(float(definition["disk"])),
            "MARATHON_APP_RESOURCE_GPUS": str(int(definition["gpus"])),
        }
    )
    if docker:
        env["MARATHON_APP_DOCKER_IMAGE"] = docker["image"]
    env.update(_label_env(definition["labels"]))
    return env


def _docker_spec(definition: dict[str, Any]) -> tuple[DockerSpec | None, tuple[Volume, ...]]:
    container = definition.get("container")
    if not container:
        return None, ()
    volumes = tuple(
        Volume(v["containerPath"], v["hostPath"], v["mode"]) for v in container["volumes"] if v.get("hostPath")
    )
    docker = container.get("docker")
    if not docker:
        return None, volumes
    spec = DockerSpec(
        image=docker["image"],
        network=docker["network"] or "HOST",
        parameters=tuple((p["key"], p["value"]) for p in docker["parameters"]),
        privileged=docker["privileged"],
        force_pull=docker["forcePullImage"],
    )
    return spec, volumes


def build_task_spec(
    definition: dict[str, Any], version: str, task_id: str, host: str, host_ports: list[int]
) -> TaskSpec:
    """The TaskSpec of one task of ``definition`` on the agent ``host`` with the given host ports."""
    mappings = _mappings(definition, host_ports)
    docker, volumes = _docker_spec(definition)
    args = definition["args"]
    return TaskSpec(
        task_id=task_id,
        framework="marathon",
        name=definition["id"],
        cmd=definition["cmd"],
        args=tuple(args) if args else None,
        env=task_env(definition, version, task_id, host, mappings),
        docker=docker,
        volumes=volumes,
        port_mappings=tuple(mappings),
        cpus=float(definition["cpus"]),
        mem=float(definition["mem"]),
        disk=float(definition["disk"]),
        shell=definition["cmd"] is not None,
        labels=dict(definition["labels"]),
    )
