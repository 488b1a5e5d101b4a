"""The running containers of the local Docker engine that Mesos started, and killing one.

A container counts when its name starts with ``mesos-``; its task is the ``MESOS_TASK_ID`` (or
Chronos' ``mesos_task_id``) of its environment, else the devcluster agent's task-id label.  Every
engine failure becomes a DockerEngineError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paasta_tools.clients import docker_exec
from paasta_tools.clients.docker_containers import TASK_ID_LABEL
from paasta_tools.errors import DockerEngineError
from paasta_tools.monitoring.orphaned_containers import MesosContainer, is_mesos_container_name, task_id_from_env


def task_id_of(info: Mapping[str, Any]) -> str | None:
    """The Mesos task id a ``docker inspect`` document names, or None."""
    config = info.get("Config") or {}
    env = dict(entry.partition("=")[::2] for entry in config.get("Env") or ())
    return task_id_from_env(env) or (config.get("Labels") or {}).get(TASK_ID_LABEL) or None


def list_mesos_containers(client: Any) -> list[MesosContainer]:
    """The running ``mesos-`` containers, by name, with their task ids."""
    import docker.errors

    found = []
    try:
        for summary in client.api.containers():
            names = [n for n in summary.get("Names") or () if is_mesos_container_name(n)]
            if not names:
                continue
            try:
                info = client.api.inspect_container(summary["Id"])
            except docker.errors.NotFound:  # ended and removed since the listing
                continue
            found.append(MesosContainer(names[0].lstrip("/"), task_id_of(info)))
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine error while listing the Mesos containers: {exc}") from None
    return sorted(found, key=lambda c: c.name)


def kill_container(client: Any, name: str) -> None:
    """``docker kill``; a container that is already gone is fine."""
    import docker.errors

    try:
        client.api.kill(name)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as exc:
        if exc.status_code == 409:  # not running any more
            return
        raise DockerEngineError(f"Docker engine could not kill container {name}: {exc.explanation or exc}") from None
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine could not kill container {name}: {exc}") from None
