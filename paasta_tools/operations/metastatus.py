"""One cluster's health for ``paasta metastatus`` and the master-side ``paasta_metastatus`` script.

Reads the cluster's Mesos master (and the ZooKeeper its masters register in), Marathon and Chronos
through the clients, turns the answers into checks with the pure ``paasta_tools.status.metastatus``
and returns the report lines with the verdict.  The callers only add their headers and exit codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ZK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class MetastatusOptions:
    """What to show of each cluster."""

    soa_dir: str
    verbose: int = 0
    groupings: Sequence[str] = ("region",)
    humanize: bool = False
    autoscaling_info: bool = False
    zk_timeout: float = ZK_TIMEOUT_S


def _quorum_result(state: dict[str, Any], timeout: float) -> Any:
    """Masters registered in the master's ZooKeeper against its quorum (None without a quorum flag)."""
    from paasta_tools.clients.zookeeper import list_children
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    quorum = metastatus.mesos_quorum(state)
    if quorum is None:
        return None
    location = metastatus.zookeeper_location((state.get("flags") or {}).get("zk"))
    if location is None:  # a standalone master (no zk flag) is the only master
        return metastatus.assert_quorum_size(1, quorum)
    try:
        children = list_children(location.hosts, location.path, timeout)
    except PaastaError as exc:
        return metastatus.unreachable("ZooKeeper", str(exc))[0]
    return metastatus.assert_quorum_size(metastatus.count_masters(children), quorum)


def _mesos_results(endpoints: Any, palette: Any, zk_timeout: float) -> tuple[list[Any], dict[str, Any] | None]:
    from paasta_tools.clients.mesos import MesosMasterClient
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    if not endpoints.mesos_url:
        return metastatus.unreachable("Mesos", "no mesos_url in the system config"), None
    try:
        client = MesosMasterClient(endpoints.mesos_url)
        state, metrics = client.state(), client.metrics_snapshot()
    except PaastaError as exc:
        return metastatus.unreachable("Mesos", str(exc)), None
    quorum = _quorum_result(state, zk_timeout)
    return metastatus.mesos_results(state, metrics, palette, quorum=quorum), state


def _marathon_results(endpoints: Any) -> tuple[list[Any], list[Any] | None]:
    """The Marathon checks and its apps (None when Marathon was not read)."""
    from marathon.exceptions import MarathonError as ClientError

    from paasta_tools.clients import marathon_client
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    if not endpoints.marathon_config:
        return metastatus.not_configured("Marathon"), None
    try:
        client = marathon_client.get_marathon_client_from_config(endpoints.marathon_config, timeout=10)
        apps = marathon_client.list_apps(client)
        tasks = client.list_tasks()
        deployments = client.list_deployments()
    except (PaastaError, ClientError) as exc:
        return metastatus.unreachable("Marathon", str(exc)), None
    return metastatus.marathon_results(len(apps), len(tasks), len(deployments)), apps


def _chronos_results(endpoints: Any) -> list[Any]:
    from paasta_tools.clients.chronos_client import get_chronos_client_from_config
    from paasta_tools.errors import PaastaError
    from paasta_tools.status import metastatus

    if not endpoints.chronos_config:
        return metastatus.not_configured("Chronos")
    try:
        client = get_chronos_client_from_config(endpoints.chronos_config)
        jobs = client.list()
        # chronos-python cannot read the empty graph of a Chronos without jobs
        graph = client.scheduler_graph() if jobs else ""
    except PaastaError as exc:
        return metastatus.unreachable("Chronos", str(exc))
    return metastatus.chronos_results(jobs, graph)


def _autoscaled_configs(soa_dir: str, cluster: str) -> dict[tuple[str, str], Any]:
    """The cluster's Marathon instance configs with max_instances; a broken service is skipped."""
    from paasta_tools.config.loader import load_service_instance_configs
    from paasta_tools.config.soa_dir import list_services
    from paasta_tools.errors import PaastaError

    configs: dict[tuple[str, str], Any] = {}
    for service in list_services(soa_dir):
        try:
            found = load_service_instance_configs(service, soa_dir, cluster, "marathon")
            configs.update({(service, c.instance): c for c in found if c.get_max_instances() is not None})
        except PaastaError:
            continue
    return configs


def _autoscaling_zookeeper(system: Any, cluster: str, state: dict[str, Any] | None) -> str | None:
    """The ZooKeeper the app builder reads the counts from: the system config's for the local cluster,
    else the one the cluster's Mesos master names in its ``zk`` flag."""
    if cluster == system.get("cluster") and system.get("zookeeper"):
        return str(system.get("zookeeper"))
    zk_flag = ((state or {}).get("flags") or {}).get("zk")
    return zk_flag if isinstance(zk_flag, str) and zk_flag.startswith("zk://") else None


def _autoscaled_counts(
    zookeeper_url: str | None, keys: Sequence[tuple[str, str]], timeout: float
) -> tuple[dict[tuple[str, str], int | None] | None, str | None]:
    """The stored count of each (service, instance), or None and why ZooKeeper could not be read."""
    from paasta_tools.clients import zookeeper
    from paasta_tools.errors import PaastaError

    if not keys:
        return {}, None
    if zookeeper_url is None:
        return None, "no zookeeper in the system config and no zk flag on the Mesos master"
    try:
        with zookeeper.zk_connection(zookeeper_url, timeout) as client:
            return {key: zookeeper.read_autoscaled_instances(client, *key) for key in keys}, None
    except PaastaError as exc:
        return None, str(exc)


def autoscaling_lines(
    system: Any, cluster: str, options: MetastatusOptions, apps: Sequence[Any], state: dict[str, Any] | None
) -> list[str]:
    """The ``Autoscaling Info:`` table of the cluster's autoscaled Marathon apps."""
    from paasta_tools.status import autoscaling_info

    configs = _autoscaled_configs(options.soa_dir, cluster)
    zk_url = _autoscaling_zookeeper(system, cluster, state)
    counts, error = _autoscaled_counts(zk_url, sorted(configs), options.zk_timeout)
    rows = autoscaling_info.autoscaling_infos(apps, configs, counts)
    return autoscaling_info.autoscaling_lines(rows, error)


def cluster_health_lines(system: Any, cluster: str, options: MetastatusOptions, palette: Any) -> tuple[list[str], bool]:
    """The cluster's report (from ``Master paasta_tools version:`` to the Chronos summary) and whether
    it is healthy."""
    from paasta_tools import __version__
    from paasta_tools.status import metastatus

    endpoints = system.get_cluster_endpoints(cluster)
    mesos, state = _mesos_results(endpoints, palette, options.zk_timeout)
    marathon, apps = _marathon_results(endpoints)
    chronos = _chronos_results(endpoints)
    lines = [f"Master paasta_tools version: {__version__}"]
    lines += metastatus.summary_lines("Mesos", mesos, options.verbose, palette)
    if options.verbose > 1 and state is not None:
        for grouping in options.groupings:
            lines += metastatus.grouping_lines(state, grouping, palette, humanize=options.humanize)
        if options.verbose > 2:
            lines += metastatus.per_slave_lines(state, palette, humanize=options.humanize)
    lines += metastatus.summary_lines("Marathon", marathon, options.verbose, palette)
    if options.autoscaling_info and apps is not None:
        lines += autoscaling_lines(system, cluster, options, apps, state)
    lines += metastatus.summary_lines("Chronos", chronos, options.verbose, palette)
    healthy = all(metastatus.is_healthy(results) for results in (mesos, marathon, chronos))
    return lines, healthy
