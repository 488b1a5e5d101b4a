"""The container of a Mesos task on the local Docker engine: find it, inspect it, exec in it, stop it.

A task's container is found by the task-id label the devcluster agent puts on it, else by the
``MESOS_TASK_ID=<task id>`` variable Marathon puts in every task's environment (how a real Mesos
agent's containers are recognised).  Every engine failure becomes a DockerEngineError.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.clients import docker_exec
from paasta_tools.errors import DockerEngineError

# The label the devcluster's Mesos agent sets (paasta_tools.devcluster.executors.docker_options).
TASK_ID_LABEL = "paasta.devcluster.task_id"
DEFAULT_STOP_TIMEOUT_S = 10


@dataclass(frozen=True)
class ExecOutput:
    """What a command run without a terminal wrote, and how it exited."""

    stdout: bytes
    stderr: bytes
    exit_code: int


def connect() -> Any:
    """A docker SDK client of the local engine; DockerEngineError when none answers."""
    return docker_exec.connect()


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "explanation", None) or exc)


def find_container(client: Any, task_id: str) -> dict[str, Any] | None:
    """``docker inspect`` of the running container of ``task_id``, or None when there is none."""
    import docker.errors

    try:
        rows = client.api.containers(filters={"label": f"{TASK_ID_LABEL}={task_id}"})
        for row in rows:
            try:
                return client.api.inspect_container(row["Id"])
            except docker.errors.NotFound:  # removed since the listing
                continue
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine error while looking for the container of {task_id}: {exc}") from None
    return docker_exec.find_task_container(client, task_id)


def stop_container(client: Any, container_id: str, timeout: int = DEFAULT_STOP_TIMEOUT_S) -> None:
    """``docker stop``: TERM, then KILL after ``timeout`` seconds."""
    try:
        client.api.stop(container_id, timeout=timeout)
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine could not stop container {container_id[:12]}: {_reason(exc)}") from None


def _create_exec(client: Any, container_id: str, argv: Sequence[str], tty: bool) -> str:
    try:
        return client.api.exec_create(container_id, list(argv), stdin=tty, tty=tty)["Id"]
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(
            f"Docker engine refused to exec {list(argv)} in container {container_id[:12]}: {_reason(exc)}"
        ) from None


def _exit_code(client: Any, exec_id: str) -> int:
    try:
        code = client.api.exec_inspect(exec_id).get("ExitCode")
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine lost the exec {exec_id[:12]}: {_reason(exc)}") from None
    # The engine reports no exit code when the command could not even start.
    return 126 if code is None else int(code)


def exec_capture(client: Any, container_id: str, argv: Sequence[str]) -> ExecOutput:
    """Run ``argv`` in the container without a terminal; its stdout, stderr and exit code."""
    exec_id = _create_exec(client, container_id, argv, tty=False)
    try:
        stdout, stderr = client.api.exec_start(exec_id, demux=True)
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine error while running {list(argv)}: {_reason(exc)}") from None
    return ExecOutput(stdout or b"", stderr or b"", _exit_code(client, exec_id))


def exec_interactive(client: Any, container_id: str, argv: Sequence[str], stdin_fd: int, stdout_fd: int) -> int:
    """Run ``argv`` in the container attached to this terminal (raw mode, sized like it); its exit code."""
    import termios
    import tty

    from paasta_tools.clients.docker_runner import pump_tty

    exec_id = _create_exec(client, container_id, argv, tty=True)
    try:
        attached = client.api.exec_start(exec_id, tty=True, socket=True)
    except docker_exec.engine_errors() as exc:
        raise DockerEngineError(f"Docker engine error while running {list(argv)}: {_reason(exc)}") from None
    sock = getattr(attached, "_sock", attached)
    try:
        size = os.get_terminal_size(stdout_fd)
        client.api.exec_resize(exec_id, height=size.lines, width=size.columns)
    except (OSError, *docker_exec.engine_errors()):
        pass  # a terminal of unknown size keeps docker's default
    saved = termios.tcgetattr(stdin_fd)
    try:
        tty.setraw(stdin_fd, termios.TCSADRAIN)
        pump_tty(sock, stdin_fd, stdout_fd)
    finally:
        termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
        sock.close()
    return _exit_code(client, exec_id)


def _is_local_address(address: str) -> bool:
    import ipaddress

    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return True
    # Only an address of this machine can be bound; nothing is sent anywhere.
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def is_local_host(host: str) -> bool:
    """True when ``host`` (an agent's hostname or address) is this machine.

    Names are compared without asking DNS: ``localhost``, or this machine's hostname, short or
    fully qualified on either side.
    """
    try:
        return _is_local_address(host)
    except ValueError:
        pass
    hostname = socket.gethostname()
    return host == "localhost" or host.split(".")[0] == hostname.split(".")[0]
