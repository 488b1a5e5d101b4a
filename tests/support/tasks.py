"""Building TaskSpecs for executor tests."""

from __future__ import annotations

import uuid

from paasta_tools.devcluster.executors.base import DockerSpec, PortMapping, TaskSpec, Volume


def make_spec(
    cmd: str | None,
    *,
    host_ports: tuple[int, ...] = (),
    container_ports: tuple[int, ...] | None = None,
    image: str | None = None,
    network: str = "BRIDGE",
    parameters: tuple[tuple[str, str], ...] = (),
    env: dict[str, str] | None = None,
    args: tuple[str, ...] | None = None,
    shell: bool = True,
    volumes: tuple[Volume, ...] = (),
    framework: str = "marathon",
    mem: float = 32.0,
    cpus: float = 0.1,
    name: str = "/test-app",
) -> TaskSpec:
    """A TaskSpec with PORT/PORTn set as Marathon sets them, a fresh task id, and an optional docker image."""
    task_id = f"{name.strip('/').replace('/', '_')}.{uuid.uuid4()}"
    container_ports = container_ports if container_ports is not None else host_ports
    mappings = tuple(PortMapping(c, h) for c, h in zip(container_ports, host_ports, strict=True))
    full_env = {f"PORT{i}": str(port) for i, port in enumerate(container_ports)}
    if container_ports:
        full_env["PORT"] = str(container_ports[0])
    full_env.update(env or {})
    docker = DockerSpec(image=image, network=network, parameters=parameters) if image else None
    return TaskSpec(
        task_id=task_id,
        framework=framework,
        name=name,
        cmd=cmd,
        args=args,
        env=full_env,
        docker=docker,
        volumes=volumes,
        port_mappings=mappings,
        cpus=cpus,
        mem=mem,
        shell=shell,
    )
