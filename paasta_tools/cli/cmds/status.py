"""``paasta status``: the state of a service's instances, read from each cluster's APIs directly.

For every cluster the service is deployed to (deployments.json v1), in parallel: Marathon apps of
the service (tasks and lastTaskFailure embedded) and the launch queue, the Mesos master state, and
for instances in SmartStack the HAProxy stats of one agent per location.  The pure models and
renderers live in :mod:`paasta_tools.status`; fetching is dispatched by instance type through
``FETCHERS`` so other schedulers add one entry.  Exit 0 when every cluster answered, else 1.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from paasta_tools.cli.arguments import SHORT_SOA_DIR_HELP, add_soa_dir_argument, split_comma_list
from paasta_tools.operations.instance_status import (
    FETCHERS,
    Planned,
    StatusContext,
    cluster_report,
    deployed_names,
)

if TYPE_CHECKING:
    from paasta_tools.config.soa_dir import ServiceFiles
    from paasta_tools.status.report import ClusterReport

EXIT_OK = 0
EXIT_FAILURE = 1
MISSING_DEPLOYMENTS_MESSAGE = "%s No deployments in deployments.json yet.\n  Has Jenkins run?"


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status",
        help="Display the status of a PaaSTA service.",
        description="'paasta status' reads each cluster's Marathon, Mesos and SmartStack state for the service "
        "and shows what is deployed, running and healthy.",
    )
    parser.add_argument("-v", "--verbose", action="count", dest="verbose", default=0, help="Print out more output.")
    parser.add_argument("-s", "--service", help="The name of the service you wish to inspect")
    parser.add_argument("-c", "--clusters", help="A comma-separated list of clusters to view. Defaults to all.")
    parser.add_argument("-i", "--instances", help="A comma-separated list of instances to view. Defaults to all.")
    parser.add_argument(
        "-l", "--deploy-group", dest="deploy_group",
        help="Name of the deploy group which you want to get status for. "
        "If specified together with --instances and/or --clusters, will show common instances only.",
    )  # fmt: skip
    parser.add_argument(
        "-r", "--registration",
        help="A comma-separated list of SmartStack registrations (service.namespace); only the instances "
        "registered in one of them are shown.",
    )  # fmt: skip
    parser.add_argument(
        "--owner",
        help="Only show the instances owned by this team (monitoring team of the instance or service); "
        "without -s, every service with such an instance.",
    )
    add_soa_dir_argument(parser, help=SHORT_SOA_DIR_HELP)
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text", help="Output format (default text)")
    parser.set_defaults(command_func=paasta_status)


def planned_deployments(
    files: ServiceFiles,
    deploy_group: str | None = None,
    registrations: Sequence[str] = (),
    owner: str | None = None,
) -> list[Planned]:
    """Every cluster.instance of the yamls (clusters sorted, type order, yaml order), optionally only those of
    one deploy group, those registered in one of ``registrations`` (only Marathon instances register) and
    those whose monitoring team is ``owner``."""
    from paasta_tools.config.loader import build_instance_config
    from paasta_tools.config.monitoring import get_team
    from paasta_tools.config.soa_dir import INSTANCE_TYPES

    planned = []
    for cluster in files.clusters():
        for instance_type in INSTANCE_TYPES:
            for instance in files.instances(instance_type, cluster):
                if deploy_group is not None or registrations or owner is not None:
                    config = build_instance_config(files, instance_type, cluster, instance)
                    if deploy_group is not None and config.get_deploy_group() != deploy_group:
                        continue
                    registered = getattr(config, "get_registrations", lambda: [])()
                    if registrations and not set(registered) & set(registrations):
                        continue
                    if owner is not None and get_team(files, config.get_monitoring()) != owner:
                        continue
                planned.append(Planned(cluster, instance, instance_type))
    return planned


def deployed_clusters(planned: Sequence[Planned], deployed: set[str]) -> list[str]:
    """Clusters (in planned order) with at least one deployed instance."""
    clusters: dict[str, None] = {}
    for item in planned:
        if f"{item.cluster}.{item.instance}" in deployed:
            clusters.setdefault(item.cluster)
    return list(clusters)


def collect_reports(ctx: StatusContext, planned: Sequence[Planned], clusters: Sequence[str]) -> list[ClusterReport]:
    """One report per cluster, clusters queried in parallel threads."""
    from concurrent.futures import ThreadPoolExecutor

    deployed = deployed_names(ctx)
    if not clusters:
        return []
    with ThreadPoolExecutor(max_workers=min(len(clusters), 16)) as pool:
        futures = [
            pool.submit(cluster_report, ctx, cluster, [p for p in planned if p.cluster == cluster], deployed)
            for cluster in clusters
        ]
        return [future.result() for future in futures]


def paasta_status(args: argparse.Namespace) -> int:
    """Entry point of ``paasta status``."""
    from paasta_tools.cli.cmds.start_stop_restart import figure_out_service_name

    def report(service: str, out: Any = None) -> int:
        return report_status(
            service,
            args.soa_dir,
            clusters=split_comma_list(args.clusters),
            instances=split_comma_list(args.instances),
            deploy_group=args.deploy_group,
            registrations=split_comma_list(args.registration),
            owner=args.owner,
            verbose=args.verbose,
            output=args.output,
            out=out,
        )

    if args.owner is not None and args.service is None:
        return _report_owned_services(args.owner, args.soa_dir, args.output, report)
    return report(figure_out_service_name(args.service, args.soa_dir))


def owned_services(owner: str, soa_dir: str) -> list[str]:
    """The services with at least one instance whose monitoring team is ``owner`` (unreadable ones skipped)."""
    from paasta_tools.config.soa_dir import list_services, read_service_files
    from paasta_tools.errors import PaastaError

    owned = []
    for service in list_services(soa_dir):
        try:
            if planned_deployments(read_service_files(soa_dir, service), owner=owner):
                owned.append(service)
        except PaastaError:
            continue  # paasta validate names what is wrong with it; it cannot be this team's status
    return owned


def _report_owned_services(owner: str, soa_dir: str, output: str, report: Any) -> int:
    """Every service of ``owner`` in turn: text under a ``service:`` line each, JSON as one list."""
    import io
    import json

    services = owned_services(owner, soa_dir)
    if not services:
        sys.stdout.write(f"No instances in {soa_dir} are owned by {owner}.\n")
        return EXIT_FAILURE
    codes, documents = [], []
    for service in services:
        if output == "json":
            buffer = io.StringIO()
            codes.append(report(service, buffer))
            text = buffer.getvalue()
            documents.append(
                json.loads(text) if text.lstrip().startswith("{") else {"service": service, "error": text.strip()}
            )
        else:
            sys.stdout.write(f"service: {service}\n")
            codes.append(report(service))
    if output == "json":
        sys.stdout.write(json.dumps(documents, indent=2, sort_keys=True) + "\n")
    return max(codes)


def report_status(
    service: str,
    soa_dir: str,
    clusters: Sequence[str] = (),
    instances: Sequence[str] = (),
    deploy_group: str | None = None,
    verbose: int = 0,
    output: str = "text",
    out: Any = None,
    registrations: Sequence[str] = (),
    owner: str | None = None,
) -> int:
    """Print the status of ``service`` (text or JSON) and return the exit code."""
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable
    from paasta_tools.system_config import load_system_paasta_config

    out = out or sys.stdout
    try:
        deployments = load_deployments_json(service, soa_dir)
    except NoDeploymentsAvailable:
        deployments = None
    if deployments is None or not deployments.v1:
        out.write(MISSING_DEPLOYMENTS_MESSAGE + "\n")
        return EXIT_FAILURE
    files = read_service_files(soa_dir, service)
    planned = planned_deployments(files, deploy_group, registrations, owner)
    if deploy_group is not None and not planned:
        out.write(f"No instances of {service} use the deploy group {deploy_group}.\n")
        return EXIT_FAILURE
    if registrations and not planned:
        out.write(f"No instances of {service} are registered in {', '.join(registrations)}.\n")
        return EXIT_FAILURE
    if owner is not None and not planned:
        out.write(f"No instances of {service} are owned by {owner}.\n")
        return EXIT_FAILURE
    now = datetime.datetime.now(datetime.UTC)
    ctx = StatusContext(service, files, deployments, load_system_paasta_config(), verbose, now, dict(FETCHERS))
    selected = [
        p for p in planned if (not clusters or p.cluster in clusters) and (not instances or p.instance in instances)
    ]
    known_clusters = deployed_clusters(planned, deployed_names(ctx))
    if _api_mode():
        return _report_via_api(ctx, planned, selected, clusters, known_clusters, instances, output, out)
    reports = collect_reports(ctx, selected, [c for c in known_clusters if not clusters or c in clusters])
    reports = [_with_unknown_instances(r, planned, instances) for r in reports]
    _print_reports(service, reports, clusters, known_clusters, verbose, output, out)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FAILURE


def _with_unknown_instances(report: ClusterReport, planned: Sequence[Planned], instances: Sequence[str]) -> Any:
    import dataclasses

    known = {p.instance for p in planned if p.cluster == report.cluster}
    return dataclasses.replace(report, unknown_instances=tuple(i for i in instances if i not in known))


def _print_reports(
    service: str,
    reports: Sequence[ClusterReport],
    clusters: Sequence[str],
    known_clusters: Sequence[str],
    verbose: int,
    output: str,
    out: Any,
) -> None:
    import json

    from paasta_tools.status.colors import Palette
    from paasta_tools.status.report import render_cluster, report_json, whitelist_warning

    if output == "json":
        out.write(json.dumps(report_json(service, reports), indent=2, sort_keys=True) + "\n")
        return
    palette = Palette(enabled=bool(getattr(out, "isatty", lambda: False)()))
    lines = [line for report in reports for line in render_cluster(report, verbose, palette)]
    lines += whitelist_warning("cluster", [c for c in clusters if c not in known_clusters])
    out.write("\n".join(lines) + "\n")


def _api_mode() -> bool:
    import os

    from paasta_tools.status.api_mode import use_api_endpoint

    return use_api_endpoint(os.environ)


def _report_via_api(
    ctx: StatusContext,
    planned: Sequence[Planned],
    selected: Sequence[Planned],
    clusters: Sequence[str],
    known_clusters: Sequence[str],
    instances: Sequence[str],
    output: str,
    out: Any,
) -> int:
    """API mode (``USE_API_ENDPOINT``): each deployed instance's status from its cluster's paasta-api."""
    import json

    from paasta_tools.operations.api_status import api_answers
    from paasta_tools.status.api_mode import answer_ok, render_api_cluster
    from paasta_tools.status.colors import Palette
    from paasta_tools.status.report import whitelist_warning

    deployed, palette = deployed_names(ctx), Palette(enabled=bool(getattr(out, "isatty", lambda: False)()))
    lines, document, ok = [], {"service": ctx.service, "clusters": []}, True
    for cluster in [c for c in known_clusters if not clusters or c in clusters]:
        mine = [p for p in selected if p.cluster == cluster and p.instance_type in FETCHERS]
        shown = [p.instance for p in mine if f"{cluster}.{p.instance}" in deployed]
        answers = api_answers(ctx.system, cluster, ctx.service, shown)
        ok = ok and all(answer_ok(answer) for _, answer in answers)
        not_deployed = [
            p.instance for p in selected if p.cluster == cluster and f"{cluster}.{p.instance}" not in deployed
        ]
        known = {p.instance for p in planned if p.cluster == cluster}
        unknown = [i for i in instances if i not in known]
        lines += render_api_cluster(cluster, not_deployed, answers, unknown, ctx.now, palette)
        document["clusters"].append({"cluster": cluster, "not_deployed": not_deployed, "instances": dict(answers)})
    if output == "json":
        out.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
    else:
        lines += whitelist_warning("cluster", [c for c in clusters if c not in known_clusters])
        out.write("\n".join(lines) + "\n")
    return EXIT_OK if ok else EXIT_FAILURE
