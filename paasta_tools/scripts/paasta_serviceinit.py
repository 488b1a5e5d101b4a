"""paasta_serviceinit: status, start, stop or restart instances of a service in this host's cluster.

Usage: ``paasta_serviceinit [SERVICE.INSTANCE] [-s SERVICE -i I1,I2] [-v] [-D] [-d SOA_DIR] [-a APPID]
{start,stop,restart,status}``

The master-side dispatcher: for each instance prints ``instance:`` and ``Git sha:`` (deployments.json),
then acts by the instance's type (adhoc instances are skipped).  ``status`` shows what ``paasta status``
shows for the cluster of the system config; start/stop/restart are the emergency actions (Marathon:
scale with force; Chronos: run now / disable and kill / both).  A failing instance is reported and the
others go on; the exit code is the highest of the instances' (1 when any failed).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument

COMMANDS = ("start", "stop", "restart", "status")
SKIPPED_TYPES = ("adhoc",)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="paasta_serviceinit", description="Runs start/stop/restart/status on PaaSTA service instances."
    )
    parser.add_argument(
        "-v", "--verbose", action="count", dest="verbose", default=0,
        help="Print out more output regarding the state of the service. "
        "A second -v will also print the stdout/stderr tail.",
    )  # fmt: skip
    parser.add_argument(
        "-D", "--debug", action="store_true", dest="debug", default=False,
        help="Output debug logs regarding files, connections, etc",
    )  # fmt: skip
    add_soa_dir_argument(parser)
    parser.add_argument("-a", "--appid", dest="app_id", help="app ID as returned by paasta status -v to operate on")
    parser.add_argument("service_instance", nargs="?", help="Instance to operate on. Eg: example_service.main")
    parser.add_argument("-s", "--service", dest="service", help="The name of the service to inspect")
    parser.add_argument(
        "-i", "--instances", dest="instances", help="A comma-separated list of instances to inspect, like main,canary"
    )
    parser.add_argument("command", choices=COMMANDS, help="Command to run. Eg: status")
    # intermixed: ``svc.main -d DIR status`` must not take svc.main for the command
    return parser.parse_intermixed_args(argv)


def service_and_instances(args: argparse.Namespace) -> tuple[str, list[str]] | None:
    """``(service, instances)`` from ``SERVICE.INSTANCE`` or ``-s``/``-i``; None when neither names both."""
    if args.service_instance:
        parts = args.service_instance.split(".")
        if len(parts) in (2, 4) and parts[0] and parts[1]:
            return parts[0], [parts[1]]
        return None
    instances = [i.strip() for i in (args.instances or "").split(",") if i.strip()]
    if args.service and instances:
        return args.service, instances
    return None


class Dispatcher:
    """Acts on the instances of one service in ``cluster``, printing through ``out``."""

    def __init__(self, service: str, cluster: str, soa_dir: str, system: Any, out: Callable[[str], None]) -> None:
        self.service = service
        self.cluster = cluster
        self.soa_dir = soa_dir
        self.system = system
        self.out = out

    def instance_type(self, instance: str) -> str:
        """The instance's type in this cluster; NoConfigurationForServiceError (with suggestions) otherwise."""
        from paasta_tools.config.loader import load_instance_config

        return load_instance_config(self.service, instance, self.cluster, self.soa_dir, False).instance_type

    def status(self, instances: Sequence[str], verbose: int) -> int:
        """Print every instance's status as paasta status renders it; 1 when any could not be read."""
        import datetime

        from paasta_tools.config.soa_dir import read_service_files
        from paasta_tools.deployments import DeploymentsJson, load_deployments_json
        from paasta_tools.errors import NoDeploymentsAvailable, PaastaError
        from paasta_tools.operations.instance_status import (
            FETCHERS,
            Planned,
            StatusContext,
            cluster_report,
            deployed_names,
        )

        files = read_service_files(self.soa_dir, self.service, cluster=self.cluster)
        try:
            deployments = load_deployments_json(self.service, self.soa_dir)
        except NoDeploymentsAvailable:
            deployments = DeploymentsJson({}, {})
        now = datetime.datetime.now(datetime.UTC)
        ctx = StatusContext(self.service, files, deployments, self.system, verbose, now, dict(FETCHERS))
        planned, errors = [], {}
        for instance in instances:
            try:
                instance_type = self.instance_type(instance)
            except PaastaError as exc:
                errors[instance] = str(exc)
                continue
            if instance_type not in SKIPPED_TYPES:
                planned.append(Planned(self.cluster, instance, instance_type))
        report = cluster_report(ctx, self.cluster, planned, deployed_names(ctx))
        return self._print_report(report, instances, planned, errors, verbose)

    def _print_report(
        self, report: Any, instances: Sequence[str], planned: Sequence[Any], errors: dict[str, str], verbose: int
    ) -> int:
        """The instances' blocks in the order asked; 1 when any is unknown, not deployed or unreadable."""
        from paasta_tools.status.colors import Palette
        from paasta_tools.status.report import render_instance

        palette = Palette(enabled=sys.stdout.isatty())
        if report.error is not None:
            self.out(palette.red(f"Error: {report.error}"))
            return EXIT_FAILURE
        by_name = {status.instance: status for status in report.instances}
        shown = {item.instance for item in planned}
        for instance in instances:
            if instance in errors:
                self.out(f"instance: {palette.blue(instance)}\n{palette.red('Error: ' + errors[instance])}")
            elif instance in report.not_deployed:
                self.out(f"instance: {palette.red(instance)}\nGit sha:    None (not deployed yet)")
            elif instance in shown:
                self.out("\n".join(render_instance(by_name[instance], verbose, palette)))
        return EXIT_OK if report.ok and not report.not_deployed and not errors else EXIT_FAILURE

    def _deployed_shas(self) -> dict[str, str]:
        """``{instance: sha[:8]}`` of this cluster's deployments.json v1 entries ({} without the file)."""
        from paasta_tools.deployments import load_deployments_json, sha_from_docker_image
        from paasta_tools.errors import NoDeploymentsAvailable

        try:
            v1 = load_deployments_json(self.service, self.soa_dir).v1
        except NoDeploymentsAvailable:
            return {}
        prefix = f"{self.service}:paasta-{self.cluster}."
        return {
            key[len(prefix) :]: sha_from_docker_image(entry.get("docker_image", ""))[:8]
            for key, entry in v1.items()
            if key.startswith(prefix)
        }

    def act(self, instances: Sequence[str], command: str, app_id: str | None) -> int:
        """Run the emergency ``command`` on each instance; the highest exit code."""
        from paasta_tools.errors import PaastaError
        from paasta_tools.operations.instance_emergency import run_emergency

        code = EXIT_OK
        shas = self._deployed_shas()
        for instance in instances:
            self.out(f"instance: {instance}\nGit sha:    {shas.get(instance)} (desired)")
            try:
                if self.instance_type(instance) in SKIPPED_TYPES:
                    continue
                self.out(run_emergency(self.service, instance, self.cluster, self.soa_dir, command, app_id))
            except PaastaError as exc:
                self.out(f"Error: {exc}")
                code = EXIT_FAILURE
            except Exception as exc:  # a scheduler API failure of one instance must not stop the others
                logging.getLogger(__name__).debug("%s.%s failed", self.service, instance, exc_info=True)
                self.out(f"Error: {command} of {self.service}.{instance} failed: {type(exc).__name__}: {exc}")
                code = EXIT_FAILURE
        return code


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(message)s")
    names = service_and_instances(args)
    if names is None:
        print("The name of service or the name of instance to inspect is missing. Exiting.", file=sys.stderr)
        return EXIT_FAILURE
    service, instances = names
    from paasta_tools.errors import PaastaError
    from paasta_tools.operations.marathon_deploy import marathon_errors
    from paasta_tools.system_config import load_system_paasta_config

    try:
        system = load_system_paasta_config()
        dispatcher = Dispatcher(service, system.get_cluster(), args.soa_dir, system, print)
        if args.command == "status":
            return dispatcher.status(instances, args.verbose)
        return dispatcher.act(instances, args.command, args.app_id)
    except PaastaError as exc:
        print(f"paasta_serviceinit: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except marathon_errors() as exc:
        print(f"paasta_serviceinit: Marathon API error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
