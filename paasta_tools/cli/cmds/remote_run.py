"""``paasta remote-run``: run an adhoc instance once on a cluster and print its output.

Upstream SSHed to a master that launched the task through a temporary Mesos framework.  Here the run is a
one-shot temporary job added through the cluster's Chronos API (as ``paasta rerun`` does): its task's state
changes and sandbox output are printed until it ends, then the job is deleted.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from paasta_tools.paths import DEFAULT_SOA_DIR

if TYPE_CHECKING:
    from paasta_tools.chronos.remote_run import RunEvent
    from paasta_tools.operations.remote_run import RemoteRunRequest

EXIT_OK = 0
EXIT_FAILURE = 1

DESCRIPTION = (
    "'paasta remote-run' is useful for running adhoc commands in context of a service's Docker image. "
    "The instance ('remote' of adhoc-<cluster>.yaml unless -i names any other marathon, chronos or adhoc "
    "instance) runs once on the cluster as a "
    "temporary Chronos job 'tmp-<timestamp> <service> <instance>' added through the cluster's Chronos API; "
    "its stdout/stderr are streamed from the task's Mesos sandbox while it runs, and the job is deleted when it "
    "ends. Exits 0 when the task finished successfully, 1 otherwise."
)
CONSTRAINT_HELP = (
    "Constraint option, format: <attr>,OP[,<value>], OP can be one of the following: EQUALS matches attribute "
    "value exactly, LIKE and UNLIKE match on regular expression, MAX_PER constrains number of tasks per attribute "
    "value, UNIQUE is the same as MAX_PER,1 (one task always satisfies the last two). Repeatable."
)


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "remote-run",
        help="Schedule Mesos to run adhoc command in context of a service",
        description=DESCRIPTION,
        epilog=(
            "Note: 'paasta remote-run' talks to the cluster's Chronos and Mesos APIs (chronos_config, mesos_url) "
            "instead of SSHing to a master that starts a temporary Mesos framework, as upstream did."
        ),
    )
    parser.add_argument("-s", "--service", required=True, help="The name of the service you wish to inspect")
    parser.add_argument(
        "-c",
        "--cluster",
        help="The name of the cluster you wish to run your task on. If omitted, uses the default cluster defined "
        "in the paasta local-run configs (local_run_config.default_cluster)",
    )
    parser.add_argument(
        "-y",
        "--yelpsoa-config-root",
        dest="yelpsoa_config_root",
        default=DEFAULT_SOA_DIR,
        help=f"A directory from which yelpsoa-configs should be read from (default {DEFAULT_SOA_DIR})",
    )
    parser.add_argument(
        "--json-dict",
        action="store_true",
        dest="dry_run_json_dict",
        help="When running dry run, output the Chronos job as a single-line json dict",
    )
    parser.add_argument(
        "-C", "--cmd", default=None, help="Run the task with this command instead of the instance's cmd, e.g. 'env'"
    )
    parser.add_argument(
        "-i",
        "--instance",
        default=None,
        help="The instance to run, of any type, like 'main' or 'canary' (default: the adhoc instance 'remote')",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="Also print the job and the task's sandbox")
    parser.add_argument("-d", "--dry-run", action="store_true", help="Print the Chronos job; don't launch the task")
    parser.add_argument("-D", "--very-dry-run", action="store_true", help="Same as --dry-run")
    parser.add_argument(
        "-t",
        "--staging-timeout",
        type=float,
        default=60.0,
        help="Seconds the task may take to start running before it is killed (default 60)",
    )
    parser.add_argument("-X", "--constraint", action="append", default=[], dest="constraints", help=CONSTRAINT_HELP)
    parser.set_defaults(command_func=paasta_remote_run)


def paasta_remote_run(args: argparse.Namespace) -> int:
    """Entry point of ``paasta remote-run``: unpack the flags, then print the job or run it."""
    from paasta_tools.errors import PaastaError

    try:
        system_config, request = _request(args)
        if args.dry_run or args.very_dry_run:
            return print_dry_run(request, system_config, args.dry_run_json_dict)
        return remote_run(request, system_config, args.verbose)
    except PaastaError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILURE


def _request(args: argparse.Namespace) -> tuple[object, RemoteRunRequest]:
    import os

    from paasta_tools.chronos.remote_run import parse_constraints
    from paasta_tools.errors import RemoteRunError
    from paasta_tools.operations.remote_run import RemoteRunRequest
    from paasta_tools.system_config import load_system_paasta_config

    constraints = parse_constraints(args.constraints)
    if not args.staging_timeout > 0:  # NaN too: a deadline of NaN never passes
        raise RemoteRunError(f"-t/--staging-timeout must be a positive number of seconds, not {args.staging_timeout:g}")
    system_config = load_system_paasta_config()
    cluster = args.cluster or system_config.get_local_run_config().get("default_cluster")
    if not cluster:
        raise RemoteRunError(
            "No cluster to run on: pass one with -c/--cluster (PaaSTA on this machine has no "
            f"local_run_config.default_cluster in {system_config.directory})"
        )
    request = RemoteRunRequest(
        service=args.service,
        cluster=cluster,
        soa_dir=os.path.abspath(args.yelpsoa_config_root),
        instance=args.instance,
        cmd=args.cmd,
        constraints=constraints,
        staging_timeout=args.staging_timeout,
    )
    return system_config, request


def _now():
    import datetime

    return datetime.datetime.now(datetime.UTC)


def print_dry_run(request: RemoteRunRequest, system_config: object, json_dict: bool) -> int:
    """Print the job that would be added (indented JSON, or one line with ``--json-dict``); talks to nothing."""
    import json

    from paasta_tools.operations.remote_run import build_job

    job = build_job(request, system_config, _now())
    print(json.dumps(job, sort_keys=True) if json_dict else json.dumps(job, indent=2, sort_keys=True))
    return EXIT_OK


class EventPrinter:
    """Prints run events: task output as it is (stdout/stderr), the rest as lines on stdout."""

    def __init__(self, verbose: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.verbose = verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._line_open = {"stdout": False, "stderr": False}

    def __call__(self, event: RunEvent) -> None:
        from paasta_tools.chronos.remote_run import Notice, TaskOutput, describe_event

        if isinstance(event, TaskOutput):
            stream = self.out if event.stream == "stdout" else self.err
            stream.write(event.data)
            stream.flush()
            self._line_open[event.stream] = not event.data.endswith("\n")
            return
        if isinstance(event, Notice) and event.verbose and not self.verbose:
            return
        if self._line_open["stdout"]:
            self.out.write("\n")  # the task's last line had no newline
            self._line_open["stdout"] = False
        self.out.write(describe_event(event) + "\n")
        self.out.flush()


def remote_run(request: RemoteRunRequest, system_config: object, verbose: bool) -> int:
    """Build and add the job, print its task's states and output; 0 when the task finished successfully."""
    import json

    from paasta_tools.chronos.remote_run import FINISHED, Notice
    from paasta_tools.operations.remote_run import build_job, run_remote_job, run_target

    printer = EventPrinter(verbose)
    job = build_job(request, system_config, _now())
    target = run_target(system_config, request.cluster)
    printer(Notice("Chronos job: " + json.dumps(job, sort_keys=True), verbose=True))
    try:
        final_state = run_remote_job(job, target, printer, request.staging_timeout)
    except KeyboardInterrupt:
        sys.stderr.write(f"Interrupted: the task of '{job['name']}' was killed\n")
        return EXIT_FAILURE
    return EXIT_OK if final_state == FINISHED else EXIT_FAILURE
