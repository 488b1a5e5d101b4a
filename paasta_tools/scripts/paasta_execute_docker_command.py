"""paasta_execute_docker_command: run a command in the Docker container of a Mesos task.

Usage: ``paasta_execute_docker_command -i MESOS_TASK_ID -c CMD [-t TIMEOUT]``

Finds the running container whose environment holds ``MESOS_TASK_ID=<id>``, runs ``/bin/sh -c CMD``
in it, prints the command's output and exits with its exit code.  An empty task id exits 2; no such
container, a command running longer than TIMEOUT seconds (default 45) or an engine error exit 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

EXIT_FAILURE = 1
EXIT_EMPTY_TASK_ID = 2
DEFAULT_TIMEOUT_S = 45


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="paasta_execute_docker_command",
        description="Executes given command in Docker container for given Mesos task ID",
    )
    parser.add_argument("-i", "--mesos-id", dest="mesos_id", required=True, help="Mesos task ID")
    parser.add_argument("-c", "--cmd", dest="cmd", required=True, help="command to execute in container")
    parser.add_argument(
        "-t", "--timeout", dest="timeout", type=int, default=DEFAULT_TIMEOUT_S, help="timeout for command"
    )
    return parser.parse_args(argv)


def write_output(data: bytes) -> None:
    """The command's output as it came (bytes), through stdout."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8", "replace"))
    else:
        buffer.write(data)
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.mesos_id:
        sys.stdout.write(
            "The Mesos task id you supplied seems to be an empty string! Please provide a valid task id.\n"
        )
        return EXIT_EMPTY_TASK_ID
    from paasta_tools.clients import docker_exec
    from paasta_tools.errors import PaastaError

    try:
        client = docker_exec.connect()
        container = docker_exec.find_task_container(client, args.mesos_id)
        if container is None:
            sys.stdout.write(f"Could not find container with MESOS_TASK_ID '{args.mesos_id}'.\n")
            return EXIT_FAILURE
        result = docker_exec.exec_in_container(client, container["Id"], args.cmd, args.timeout)
    except PaastaError as exc:
        sys.stderr.write(f"paasta_execute_docker_command: {exc}\n")
        return EXIT_FAILURE
    if result.timed_out:
        sys.stdout.write("Command timed out!\n")
        return EXIT_FAILURE
    write_output(result.output)
    return EXIT_FAILURE if result.exit_code is None else int(result.exit_code)


if __name__ == "__main__":
    sys.exit(main())
