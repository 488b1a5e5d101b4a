"""``paasta rerun``: run a Chronos job once more, as it would have run at a given date.

For each cluster it adds temporary job(s) ``tmp-<timestamp> <service> <instance>`` through the cluster's
Chronos API (``clusters.<cluster>.chronos_config`` in the system config; no SSH to a master).  ``instance``
mode copies the one job without its parents, so nothing downstream runs; ``graph`` mode copies every job
related through parents and runs them in dependency order.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument
from paasta_tools.scripts.chronos_rerun import parse_execution_date

if TYPE_CHECKING:
    from paasta_tools.status.colors import Palette

EXIT_OK = 0
EXIT_FAILURE = 1
RERUN_TYPES = ("instance", "graph")


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rerun",
        help="Re-run a scheduled PaaSTA job",
        description=(
            "'paasta rerun' creates a new instance of the specified job that runs once as soon as possible, "
            "with its command interpolated at the given execution date."
        ),
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, dest="verbose")
    parser.add_argument("-s", "--service", help="The name of the service you wish to inspect")
    parser.add_argument("-i", "--instance", required=True, help="Name of the scheduled job you want to rerun")
    parser.add_argument(
        "-c", "--clusters", help="A comma-separated list of clusters to rerun the job on. Defaults to rerun on all"
    )
    parser.add_argument(
        "-d",
        "--execution_date",
        type=parse_execution_date,
        help="Time the job would have run at, used in the command's time variables (%%Y-%%m-%%dT%%H:%%M:%%S)",
    )
    parser.add_argument(
        "-t",
        "--rerun-type",
        choices=RERUN_TYPES,
        dest="rerun_type",
        help="instance: rerun only this job; graph: rerun it with every job related through parents",
    )
    parser.add_argument(
        "-f", "--force-disabled", action="store_true", dest="force_disabled", help="rerun a disabled job anyway"
    )
    add_soa_dir_argument(parser, ("-y",), help=SHORT_SOA_DIR_HELP)
    parser.set_defaults(command_func=paasta_rerun)


def paasta_rerun(args: argparse.Namespace) -> int:
    """Entry point of ``paasta rerun``: unpack the flags and rerun in each cluster."""
    from paasta_tools.chronos.rerun import RerunType
    from paasta_tools.operations.chronos_rerun import RerunRequest
    from paasta_tools.status.colors import Palette

    service = args.service or os.path.basename(os.getcwd())
    request = RerunRequest(
        service=service,
        instance=args.instance,
        execution_date=args.execution_date,
        rerun_type=RerunType(args.rerun_type) if args.rerun_type else None,
        force_disabled=args.force_disabled,
    )
    clusters = args.clusters.split(",") if args.clusters else None
    return rerun_everywhere(request, clusters, os.path.abspath(args.soa_dir), Palette(enabled=sys.stdout.isatty()))


def _deployed_clusters(service: str, soa_dir: str) -> dict[str, set[str]]:
    """``{cluster: {instance, ...}}`` of what deployments.json v1 says is deployed."""
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable

    try:
        v1 = load_deployments_json(service, soa_dir).v1
    except NoDeploymentsAvailable:
        return {}
    deployed: dict[str, set[str]] = {}
    for key in v1:
        branch = key.partition(":paasta-")[2]
        cluster, _, instance = branch.partition(".")
        deployed.setdefault(cluster, set()).add(instance)
    return deployed


def rerun_everywhere(request, clusters: Sequence[str] | None, soa_dir: str, colours: Palette) -> int:
    """Print ``cluster: <c>`` and the outcome for each cluster; 1 when a rerun failed anywhere."""
    from paasta_tools.config.soa_dir import list_clusters, require_service_dir

    require_service_dir(soa_dir, request.service)
    all_clusters = list_clusters(soa_dir)
    service_clusters = list_clusters(soa_dir, request.service)
    deployed = _deployed_clusters(request.service, soa_dir)
    failed = False
    for cluster in clusters or service_clusters:
        print(f"cluster: {cluster}")
        warning = _skip_reason(request, cluster, all_clusters, deployed)
        if warning:
            print(f"  Warning: {warning}")
            continue
        failed |= not rerun_in_cluster(request, cluster, soa_dir, colours)
    return EXIT_FAILURE if failed else EXIT_OK


def _skip_reason(request, cluster: str, all_clusters: Sequence[str], deployed: dict[str, set[str]]) -> str | None:
    if cluster not in all_clusters:
        return f'"{cluster}" does not look like a valid cluster.'
    if cluster not in deployed:
        return f'service "{request.service}" has not been deployed to "{cluster}" yet.'
    if request.instance not in deployed[cluster]:
        return f'instance "{request.instance}" is either invalid or has not been deployed to "{cluster}" yet.'
    return None


def _choose_type(request, related: Sequence[str]) -> str | None:
    """None when the rerun type is known, else the message asking for ``--rerun-type``."""
    from paasta_tools.chronos.job_name import chronos_to_paasta_job_name, compose_job_id

    others = [name for name in related if name != compose_job_id(request.service, request.instance)]
    if request.rerun_type is not None or not others:
        return None
    relations = "\n".join(f"- {chronos_to_paasta_job_name(name)}" for name in others)
    return (
        f"Instance {request.instance} has dependency relations with the following jobs:\n{relations}\n\n"
        "Please specify the rerun policy via --rerun-type argument"
    )


def _uses_time_variables(jobs, names: Sequence[str]) -> bool:
    from paasta_tools.chronos.interpolation import uses_time_variables

    wanted = set(names)
    commands = [job.config.get_cmd() for job in jobs if job.name in wanted]
    return any(isinstance(cmd, str) and uses_time_variables(cmd) for cmd in commands)


def rerun_in_cluster(request, cluster: str, soa_dir: str, colours: Palette) -> bool:
    """Add the temporary job(s) to ``cluster``'s Chronos and print the outcome; False on error."""
    import dataclasses

    from paasta_tools.chronos.rerun import RerunType
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations import chronos_jobs as ops
    from paasta_tools.operations import chronos_rerun as reruns
    from paasta_tools.system_config import load_system_paasta_config

    try:
        system_config = load_system_paasta_config()
        target = ops.target_from_system_config(system_config, soa_dir, cluster)
        related, jobs = reruns.related_job_names(request, target)
        message = _choose_type(request, related)
        if message:
            print(colours.red("  error"))
            print(message)
            return False
        rerun_type = request.rerun_type or RerunType.INSTANCE
        names = related if rerun_type is RerunType.GRAPH else [f"{request.service} {request.instance}"]
        if request.execution_date is None and _uses_time_variables(jobs, names):
            print(
                f'  Warning: "{request.instance}" uses time variables interpolation, '
                "please supply a `--execution_date` argument."
            )
            return True
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        request = dataclasses.replace(request, execution_date=request.execution_date or now)
        clones = reruns.build_rerun_jobs(request, rerun_type, jobs, related, target, now)
        reruns.add_rerun_jobs(ops.chronos_client_for(system_config, cluster), clones)
    except PaastaError as exc:
        print(colours.red("  error"))
        print(f"  {exc}")
        return False
    print(colours.green("  successfully created job"))
    return True
