"""Running a planned local-run container on the local Docker engine (docker SDK), and checking its health.

The plan (``paasta_tools.local_run``) decides what to run; this module creates, starts, health-checks,
tails, stops and removes the container.  Output goes through a :class:`Reporter` so the entry point
decides about colours and streams.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlparse

import docker
import docker.errors
import requests

from paasta_tools.errors import LocalRunError
from paasta_tools.local_run.healthcheck import (
    HealthcheckPolicy,
    HealthcheckProgress,
    HealthcheckTarget,
    LineColor,
    Verdict,
    http_result,
)

STOP_TIMEOUT_S = 10


class Reporter(Protocol):
    """Where the runner's messages go."""

    def line(self, text: str, color: LineColor | None = None, plain: str = "") -> None: ...

    def raw(self, data: bytes) -> None: ...


def connect() -> docker.DockerClient:
    """A client of the local engine; LocalRunError when none answers."""
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise LocalRunError(f"Can't talk to the Docker engine: {exc}") from None
    except requests.RequestException as exc:
        raise LocalRunError(f"Can't talk to the Docker engine: {exc}") from None
    return client


def pick_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# --- health checks ----------------------------------------------------------------------------


def check_http(url: str, timeout: float) -> tuple[bool, str]:
    """GET ``url``: Marathon's HTTP health-check verdict and a one-line explanation."""
    try:
        response = requests.get(url, timeout=timeout, verify=False)
    except requests.Timeout:
        return False, f"http request timed out after {timeout:g} seconds"
    except requests.ConnectionError:
        return False, "http request failed: connection failed"
    except requests.RequestException as exc:
        return False, f"http request failed: {exc}"
    return http_result(response.status_code, response.headers.get("content-type"))


def check_tcp(url: str, timeout: float) -> tuple[bool, str]:
    """Connect to ``tcp://host:port``."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
            return True, "tcp connection succeeded"
    except OSError as exc:
        return False, f"{exc.strerror or exc} (timeout {timeout:g} seconds)"


def check_cmd(container: Any, command: str, timeout: float) -> tuple[bool, str]:
    """Run ``command`` with ``sh -c`` inside the container; passes on exit code 0."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["exec"] = container.exec_run(["sh", "-c", command])
        except docker.errors.APIError as exc:
            result["error"] = str(exc.explanation or exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return False, f"command timed out after {timeout:g} seconds"
    if "error" in result:
        return False, result["error"]
    exit_code, output = result["exec"]
    text = (output or b"").decode("utf-8", "replace").strip()
    return exit_code == 0, text


def run_healthcheck(container: Any, target: HealthcheckTarget, timeout: float) -> tuple[bool, str]:
    """One check of ``target``; (passed, output)."""
    if target.mode == "cmd":
        return check_cmd(container, target.data, timeout)
    if target.mode in ("http", "https"):
        return check_http(target.data, timeout)
    return check_tcp(target.data, timeout)


def container_state(container: Any) -> Mapping[str, Any]:
    container.reload()
    return container.attrs.get("State", {})


@dataclass(frozen=True)
class Clock:
    """Time source and sleep, replaceable for tests of the loop."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def simulate_healthcheck(
    container: Any, target: HealthcheckTarget, policy: HealthcheckPolicy, reporter: Reporter, clock: Clock = Clock()
) -> bool:
    """Check the container like Marathon until it passes, exits or fails ``max_consecutive_failures`` times."""
    progress = HealthcheckProgress(policy, target.data)
    reporter.line(progress.starting_line())
    started = clock.now()
    while True:
        state = container_state(container)
        if not state.get("Running"):
            reporter.line(f"Container exited with code {state.get('ExitCode')}", LineColor.RED)
            return False
        passed, output = run_healthcheck(container, target, policy.timeout_seconds)
        progress, report, verdict = progress.record(passed, output, clock.now() - started)
        reporter.line(report.colored, report.color, report.plain)
        if verdict is not Verdict.CONTINUE:
            return verdict is Verdict.PASSED
        clock.sleep(policy.interval_seconds)


# --- container lifecycle ----------------------------------------------------------------------


def start_container(client: docker.DockerClient, kwargs: Mapping[str, Any]) -> Any:
    """Create and start a container from ``docker_sdk_kwargs``; LocalRunError when the engine refuses."""
    create_kwargs = {key: value for key, value in kwargs.items() if key != "detach"}
    try:
        container = client.containers.create(**create_kwargs)
    except docker.errors.ImageNotFound:
        raise LocalRunError(f"Docker image {kwargs['image']} does not exist locally") from None
    except docker.errors.APIError as exc:
        raise LocalRunError(f"Failure trying to create your container: {exc.explanation or exc}") from None
    try:
        container.start()
    except docker.errors.APIError as exc:
        remove_quietly(container)
        raise LocalRunError(f"Failure trying to start your container: {exc.explanation or exc}") from None
    return container


def remove_quietly(container: Any) -> None:
    try:
        container.remove(force=True)
    except docker.errors.APIError:
        pass


def tail_logs(container: Any, reporter: Reporter) -> None:
    """Stream the container's stdout and stderr (from its start) until it exits."""
    for chunk in container.logs(stdout=True, stderr=True, stream=True, follow=True):
        reporter.raw(chunk)


def exit_code(container: Any) -> int:
    """The exit code of a stopped container (waits for it to stop)."""
    return int(container.wait().get("StatusCode", 0))


def cleanup_container(container: Any, reporter: Reporter, stop_timeout: int = STOP_TIMEOUT_S) -> None:
    """Stop and remove the container, saying so; an OOM kill is reported first."""
    try:
        if container_state(container).get("OOMKilled"):
            reporter.line(
                "Your service was killed by the OOM Killer!\n"
                "You've exceeded the memory limit, try increasing the mem parameter in your soa_configs",
                LineColor.RED,
            )
        reporter.line(f"\nStopping and removing the old container {container.id}...")
        reporter.line("(Please wait or you may leave an orphaned container.)")
        container.stop(timeout=stop_timeout)
        container.remove()
        reporter.line("...done")
    except docker.errors.APIError:
        reporter.line(
            f"Could not clean up container! You should stop and remove container '{container.id}' manually.",
            LineColor.YELLOW,
        )


# --- interactive mode -------------------------------------------------------------------------


def pump_tty(sock: Any, stdin_fd: int, stdout_fd: int) -> None:
    """Copy the terminal to the container and back until the container closes its side."""
    import os
    import select

    reading_stdin = True
    while True:
        sources = [sock, stdin_fd] if reading_stdin else [sock]
        ready, _, _ = select.select(sources, [], [])
        if sock in ready:
            data = sock.recv(4096)
            if not data:
                return
            os.write(stdout_fd, data)
        if reading_stdin and stdin_fd in ready:
            data = os.read(stdin_fd, 4096)
            if data:
                sock.sendall(data)
            else:
                reading_stdin = False


def run_interactive(client: docker.DockerClient, kwargs: Mapping[str, Any], stdin_fd: int, stdout_fd: int) -> int:
    """Run the container attached to this terminal (raw mode, sized like it); returns its exit code.

    The container is removed afterwards, as ``docker run --rm`` would.
    """
    import os
    import termios
    import tty

    create_kwargs = {key: value for key, value in kwargs.items() if key != "detach"}
    try:
        container = client.containers.create(**create_kwargs)
        attached = client.api.attach_socket(
            container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1, "logs": 1}
        )
        container.start()
    except docker.errors.APIError as exc:
        raise LocalRunError(f"Failure trying to start your container: {exc.explanation or exc}") from None
    sock = getattr(attached, "_sock", attached)
    try:
        size = os.get_terminal_size(stdout_fd)
        client.api.resize(container.id, height=size.lines, width=size.columns)
    except (OSError, docker.errors.APIError):
        pass  # a terminal of unknown size keeps docker's default
    saved = termios.tcgetattr(stdin_fd)
    try:
        tty.setraw(stdin_fd, termios.TCSADRAIN)  # keep what the user typed ahead
        pump_tty(sock, stdin_fd, stdout_fd)
    finally:
        termios.tcsetattr(stdin_fd, termios.TCSADRAIN, saved)
        sock.close()
    code = exit_code(container)
    remove_quietly(container)
    return code
