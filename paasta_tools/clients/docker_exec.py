"""Running a command in the running container of a Mesos task on the local Docker engine.

Mesos (and the devcluster) start a task's container with ``MESOS_TASK_ID=<task id>`` in its
environment; that is how the container is found, as upstream's paasta_execute_docker_command did.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import DockerEngineError

TASK_ID_VARIABLE = "MESOS_TASK_ID"


@dataclass(frozen=True)
class ExecResult:
    """The command's output and exit code; ``timed_out`` when it did not finish in time (no exit code)."""

    output: bytes
    exit_code: int | None
    timed_out: bool = False


def engine_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a call to the Docker engine raises when the engine fails or is unreachable."""
    import docker.errors
    import requests

    return (docker.errors.DockerException, requests.RequestException)


def connect() -> Any:
    """A docker SDK client of the local engine (``DOCKER_HOST`` or the default socket)."""
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except engine_errors() as exc:
        raise DockerEngineError(f"Can't talk to the Docker engine: {exc}") from None
    return client


def find_task_container(client: Any, task_id: str) -> Any | None:
    """The running container whose environment has ``MESOS_TASK_ID=<task_id>``, or None."""
    wanted = f"{TASK_ID_VARIABLE}={task_id}"
    import docker.errors

    try:
        for summary in client.api.containers():
            try:
                info = client.api.inspect_container(summary["Id"])
            except docker.errors.NotFound:  # exited and removed since the listing
                continue
            if wanted in ((info.get("Config") or {}).get("Env") or ()):
                return info
    except engine_errors() as exc:
        raise DockerEngineError(f"Docker engine error while looking for the container of {task_id}: {exc}") from None
    return None


def exec_in_container(client: Any, container_id: str, command: str, timeout: float) -> ExecResult:
    """Run ``/bin/sh -c command`` in the container, waiting at most ``timeout`` seconds for it."""
    try:
        exec_id = client.api.exec_create(container_id, ["/bin/sh", "-c", command])["Id"]
    except engine_errors() as exc:
        raise DockerEngineError(f"Docker engine refused to exec in container {container_id[:12]}: {exc}") from None
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["output"] = client.api.exec_start(exec_id, stream=False)
            outcome["exit_code"] = client.api.exec_inspect(exec_id).get("ExitCode")
        except Exception as exc:  # reported by the caller's thread
            outcome["error"] = exc

    # The engine has no way to stop an exec; a command that overruns is left to finish on its own.
    worker = threading.Thread(target=run, name="docker-exec", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return ExecResult(b"", None, timed_out=True)
    if "error" in outcome:
        error = outcome["error"]
        raise DockerEngineError(f"Docker engine error while running the command in {container_id[:12]}: {error}")
    return ExecResult(outcome.get("output") or b"", outcome.get("exit_code"))
