"""``paasta sysdig``: the csysdig command that watches the containers of a Marathon instance's app.

Upstream logged in to a master and then to the task's agent.  This command talks to the cluster's
Marathon directly to find a running task (``-H``/``-m`` as docker_exec), builds the command for that
task's agent — ``sudo csysdig -m <mesos_url>,<marathon_url with credentials> marathon.app.id="/<app id>"
-v mesos_tasks`` — and runs it when the agent is this machine; otherwise it prints it with the host to
run it on.  ``-l/--local`` prints ``<host>:<command>`` and runs nothing, as upstream's ``--local`` did.
"""

from __future__ import annotations

import argparse
import shlex
from urllib.parse import quote, urlsplit, urlunsplit

from paasta_tools.cli.cmds.docker_exec import add_instance_filter_arguments, task_query

EXIT_OK = 0
EXIT_FAILURE = 1


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sysdig",
        help="Run sysdig on a remote host and filter to a service and instance",
        description=(
            "'paasta sysdig' finds a running task of your Marathon instance through the cluster's Marathon API "
            "and runs csysdig on this machine filtered to the instance's app when the task runs here; when it "
            "runs on another host it prints the command to run there (it does not log in to other hosts)."
        ),
    )
    add_instance_filter_arguments(parser, "inspect")
    parser.add_argument(
        "-l", "--local", action="store_true", default=False,
        help="Only print '<host>:<command>' for the task's host; run nothing",
    )  # fmt: skip
    parser.set_defaults(command_func=paasta_sysdig)


def marathon_url_with_credentials(url: str, user: str | None, password: str | None) -> str:
    """``url`` with ``user:password@`` in its netloc when both are set (csysdig reads Marathon with them)."""
    parts = urlsplit(url)
    if not user or not password:
        return url
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{parts.hostname}"
    netloc += f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=netloc))


def csysdig_command(app_id: str, mesos_url: str, marathon_url: str) -> str:
    """The csysdig command line watching the Mesos tasks of Marathon app ``app_id``."""
    app = "/" + app_id.lstrip("/")
    return f'sudo csysdig -m {mesos_url},{marathon_url} marathon.app.id="{app}" -v mesos_tasks'


def paasta_sysdig(args: argparse.Namespace) -> int:
    """Print or run the csysdig command for a running task of the instance."""
    import os
    import shutil

    from paasta_tools.clients.docker_containers import is_local_host
    from paasta_tools.operations.task_containers import instance_apps, select_task
    from paasta_tools.system_config import load_system_paasta_config

    query = task_query(args)
    task = select_task(instance_apps(query), query)
    endpoints = load_system_paasta_config().get_cluster_endpoints(query.cluster)
    marathon = dict(endpoints.marathon_config or {})
    urls = marathon.get("url") or [""]
    marathon_url = urls if isinstance(urls, str) else urls[0]
    marathon_url = marathon_url_with_credentials(marathon_url, marathon.get("user"), marathon.get("password"))
    command = csysdig_command(task.app_id, endpoints.mesos_url or "", marathon_url)
    if args.local:
        print(f"{task.host}:{command}")
        return EXIT_OK
    if not is_local_host(task.host):
        print(f"Task {task.id} runs on {task.host}; run this there (this command does not log in to other hosts):")
        print(f"  {command}")
        return EXIT_OK
    if shutil.which("csysdig") is None:
        print(f"csysdig is not installed on this machine (apt-get install sysdig); the command is:\n  {command}")
        return EXIT_FAILURE
    argv = shlex.split(command)
    if os.geteuid() == 0 or shutil.which("sudo") is None:
        argv = argv[1:]  # root needs no sudo (and a container may have none)
    os.execvp(argv[0], argv)
    return EXIT_FAILURE  # not reached: execvp replaces this process
