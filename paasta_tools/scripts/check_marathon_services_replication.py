"""check_marathon_services_replication: alert when Marathon instances run too few healthy copies.

Usage: ``check_marathon_services_replication [-d SOA_DIR] [-v] [--min-task-uptime SECONDS]``

For every Marathon instance of the local cluster (system config ``cluster``) whose service has a
deployments.json: the expected count is the sum of the configured instances registered in the
instance's namespace.  Instances whose namespace has a ``proxy_port`` are counted in SmartStack
(UP backends in the HAProxy of one agent per location of the namespace's ``discover`` attribute,
read at ``synapse_port`` with ``synapse_haproxy_url_format``); the others by their Marathon tasks
that pass their health checks and started more than a minute ago.  Each verdict goes to Sensu as
``check_marathon_services_replication.<service>.<instance>`` and to the ``monitoring`` log.
One broken instance never stops the others; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument, add_verbose_argument

log = logging.getLogger("check_marathon_services_replication")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="check_marathon_services_replication",
        epilog="PERCENTAGE is an integer value representing the percentage of available to expected instances",
    )
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    parser.add_argument(
        "--min-task-uptime", dest="min_task_uptime", type=float, default=60.0, metavar="SECONDS",
        help="a task counts as available once it has been running this long (default 60)",
    )  # fmt: skip
    return parser.parse_args(argv)


@dataclass
class ReplicationContext:
    """What every instance check shares: the cluster's tasks, agents, HAProxy reader and event sink."""

    cluster: str
    tasks: Sequence[Any]
    now: datetime.datetime
    min_task_uptime: float
    load_slaves: Callable[[], list[dict[str, Any]]]
    read_backends: Callable[[str, str], list[Any]]
    emit: Callable[[Any, Any, Any], None]
    deploy_blacklist: Sequence[Sequence[str]] = ()
    autoscaled: Callable[[str, str], int | None] = lambda service, instance: None
    _slaves: list[dict[str, Any]] | None = field(default=None, repr=False)

    def slaves(self) -> list[dict[str, Any]]:
        """The Mesos agents, fetched once and only when a SmartStack instance needs them."""
        if self._slaves is None:
            self._slaves = self.load_slaves()
        return self._slaves


def check_instance(ctx: ReplicationContext, files: Any, config: Any, service_configs: Sequence[Any]) -> Any:
    """The ReplicationResult of one instance, or None when it is not checked here (secondary registration)."""
    from paasta_tools.config.smartstack import load_service_namespace_config
    from paasta_tools.marathon import replication
    from paasta_tools.marathon.haproxy_csv import count_up

    service, instance = config.service, config.instance
    namespace_config = load_service_namespace_config(files, service, config.get_nerve_namespace())
    autoscaled = {
        c.instance: n
        for c in service_configs
        if c.get_max_instances() is not None and (n := ctx.autoscaled(service, c.instance)) is not None
    }
    expected = replication.expected_count_for_namespace(service_configs, instance, autoscaled)
    threshold = config.get_replication_threshold()
    log.info("Expecting %d total tasks for %s.%s", expected, service, instance)
    if not replication.uses_smartstack_check(config, namespace_config):
        available = replication.count_healthy_tasks(ctx.tasks, service, instance, ctx.now, ctx.min_task_uptime)
        return replication.mesos_result(service, instance, ctx.cluster, available, expected, threshold)
    if not replication.is_primary_registration(config):
        log.debug("%s.%s is announced under %s; not checking it", service, instance, config.get_registrations()[0])
        return None
    blacklist = config.get_monitoring_blacklist(ctx.deploy_blacklist)
    grouped = replication.slaves_grouped_by_attribute(ctx.slaves(), namespace_config.get_discover(), blacklist)
    full_name = f"{service}.{instance}"
    available_by_location = {
        location: count_up(ctx.read_backends(host, full_name), full_name)
        for location, host in replication.synapse_hosts_by_location(grouped).items()
    }
    return replication.smartstack_result(service, instance, ctx.cluster, expected, available_by_location, threshold)


def check_service(ctx: ReplicationContext, service: str, soa_dir: str) -> int:
    """Check every Marathon instance of ``service`` in the cluster; returns how many could not be checked."""
    from paasta_tools.config.loader import instance_configs_from_files
    from paasta_tools.config.soa_dir import read_service_files
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable, PaastaError

    try:
        files = read_service_files(soa_dir, service, cluster=ctx.cluster)
        configs = instance_configs_from_files(files, ctx.cluster, "marathon")
        if configs:
            deployments = load_deployments_json(service, soa_dir)
            configs = [
                dataclasses.replace(c, branch_dict=deployments.get_branch_dict(service, c.get_branch()))
                for c in configs
            ]
    except NoDeploymentsAvailable:
        log.debug("deployments.json missing for %s. Skipping replication monitoring.", service)
        return 0
    except PaastaError as exc:
        log.error("Cannot check replication of %s: %s", service, exc)
        return 1
    failures = 0
    for config in configs:
        try:
            result = check_instance(ctx, files, config, configs)
            if result is not None:
                ctx.emit(files, config, result)
        except PaastaError as exc:
            log.error("Cannot check replication of %s.%s: %s", service, config.instance, exc)
            failures += 1
    return failures


def make_emitter(system_config: Any, cluster: str, log_writer: Any) -> Callable[[Any, Any, Any], None]:
    """Send the verdict to Sensu (when a team is configured) and log it to the monitoring component."""
    from paasta_tools.clients import sensu
    from paasta_tools.config.monitoring import get_runbook
    from paasta_tools.config.monitoring_events import build_event
    from paasta_tools.errors import SensuError
    from paasta_tools.marathon.replication import CHECK_NAME, CRITICAL, replication_event_overrides

    def emit(files: Any, config: Any, result: Any) -> None:
        service, instance = config.service, config.instance
        (log.error if result.status == CRITICAL else log.info)(result.output)
        monitoring = config.get_monitoring()
        overrides = replication_event_overrides(monitoring, get_runbook(files, monitoring))
        name = f"{CHECK_NAME}.{service}.{instance}"
        log_writer.log(service, f"Replication: {result.output}", "monitoring", "debug", cluster, instance)
        event = build_event(name, result.status, result.output, files, overrides, cluster)
        if event is None:
            return
        host, port = system_config.get_sensu_host(), system_config.get_sensu_port()
        try:
            sensu.send_event(event, host, port)
        except (OSError, ValueError) as exc:
            raise SensuError(f"could not send the Sensu event {name} to {host}:{port}: {exc}") from exc

    return emit


def _autoscaled_reader(system_config: Any) -> Callable[[str, str], int | None]:
    """Reads ZooKeeper autoscaling counts (asked only for instances with max_instances); None when unreadable."""

    def read(service: str, instance: str) -> int | None:
        from paasta_tools.clients import zookeeper
        from paasta_tools.errors import PaastaError

        try:
            with zookeeper.zk_connection(system_config.get("zookeeper")) as client:
                return zookeeper.read_autoscaled_instances(client, service, instance)
        except (PaastaError, TypeError) as exc:
            log.warning("Cannot read the autoscaled count of %s.%s: %s", service, instance, exc)
            return None

    return read


def build_context(system_config: Any, min_task_uptime: float) -> ReplicationContext:
    """Read the cluster's Marathon tasks once and wire the Mesos, HAProxy and Sensu adapters."""
    from paasta_tools.clients import haproxy, marathon_client
    from paasta_tools.clients.log_writer import log_writer_from_config
    from paasta_tools.clients.mesos import mesos_client_for_cluster

    cluster = system_config.get_cluster()
    client = marathon_client.get_marathon_client_from_config(system_config.get_marathon_config())
    apps = marathon_client.list_apps(client, embed_tasks=True)
    port, url_format = system_config.get_synapse_port(), system_config.get_synapse_haproxy_url_format()
    writer = log_writer_from_config(system_config.get("log_writer"), where=f"{system_config.directory}")
    return ReplicationContext(
        cluster=cluster,
        tasks=[task for app in apps for task in app.tasks],
        now=datetime.datetime.now(datetime.UTC),
        min_task_uptime=min_task_uptime,
        load_slaves=lambda: mesos_client_for_cluster(system_config, cluster).slaves(),
        read_backends=lambda host, name: haproxy.get_backends([name], host, port, url_format),
        emit=make_emitter(system_config, cluster, writer),
        deploy_blacklist=system_config.get_deploy_blacklist(),
        autoscaled=_autoscaled_reader(system_config),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 1 when the cluster cannot be read or an instance could not be checked."""
    from paasta_tools.config.soa_dir import list_services
    from paasta_tools.errors import PaastaError
    from paasta_tools.system_config import load_system_paasta_config

    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    try:
        ctx = build_context(load_system_paasta_config(), args.min_task_uptime)
    except PaastaError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILURE
    failures = sum(check_service(ctx, service, args.soa_dir) for service in list_services(args.soa_dir))
    return EXIT_FAILURE if failures else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
