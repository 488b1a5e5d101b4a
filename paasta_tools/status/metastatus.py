"""``paasta metastatus`` checks (§7.4) as pure functions of Mesos, Marathon and Chronos data.

Each check returns a :class:`HealthCheckResult` with upstream's message; a cluster is healthy
when every result is.  Resources are judged against a threshold of free capacity (10%).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.chronos.last_run import parse_scheduler_graph
from paasta_tools.status.colors import Palette
from paasta_tools.status.text import format_table

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class HealthCheckResult:
    message: str
    healthy: bool


@dataclass(frozen=True)
class ResourceUse:
    """Free and total of one resource (cpus in shares, mem and disk in MB)."""

    free: float
    total: float


def _percent_used(used: float, total: float) -> float:
    return used / total * 100 if total else 0.0


def _has_free(perc_used: float, threshold: float) -> bool:
    return (100 - perc_used) > threshold


def assert_cpu_health(metrics: Mapping[str, Any], threshold: float, p: Palette) -> HealthCheckResult:
    total, used = float(metrics.get("master/cpus_total", 0)), float(metrics.get("master/cpus_used", 0))
    perc = _percent_used(used, total)
    if _has_free(perc, threshold):
        return HealthCheckResult(f"CPUs: {used:.2f} / {total:.0f} in use ({p.green(f'{perc:.2f}%')})", True)
    return HealthCheckResult(
        f"CRITICAL: Less than {threshold:.0f}% CPUs available. (Currently using {perc:.2f}% of {total:.0f})", False
    )


def assert_memory_health(metrics: Mapping[str, Any], threshold: float, p: Palette) -> HealthCheckResult:
    total = float(metrics.get("master/mem_total", 0)) / 1024
    used = float(metrics.get("master/mem_used", 0)) / 1024
    perc = _percent_used(used, total)
    if _has_free(perc, threshold):
        return HealthCheckResult(f"Memory: {used:0.2f} / {total:0.2f}GB used ({p.green(f'{perc:.2f}%')})", True)
    return HealthCheckResult(
        f"CRITICAL: Less than {threshold:.0f}% memory available. (Currently using {perc:.2f}% of {total:.2f}GB)",
        False,
    )


def assert_disk_health(metrics: Mapping[str, Any], threshold: float, p: Palette) -> HealthCheckResult:
    total = float(metrics.get("master/disk_total", 0)) / 1024
    used = float(metrics.get("master/disk_used", 0)) / 1024
    perc = _percent_used(used, total)
    if _has_free(perc, threshold):
        return HealthCheckResult(f"Disk: {used:0.2f} / {total:0.2f}GB used ({p.green(f'{perc:.2f}%')})", True)
    return HealthCheckResult(
        f"CRITICAL: Less than {threshold:.0f}% disk available. (Currently using {perc:.2f}%)", False
    )


def assert_tasks_running(metrics: Mapping[str, Any]) -> HealthCheckResult:
    running, staging, starting = (int(metrics.get(f"master/tasks_{s}", 0)) for s in ("running", "staging", "starting"))
    return HealthCheckResult(f"Tasks: running: {running} staging: {staging} starting: {starting}", True)


def assert_slave_health(metrics: Mapping[str, Any]) -> HealthCheckResult:
    active, inactive = int(metrics.get("master/slaves_active", 0)), int(metrics.get("master/slaves_inactive", 0))
    if active == 0:
        return HealthCheckResult(f"CRITICAL: No active slaves (inactive: {inactive})", False)
    return HealthCheckResult(f"Slaves: active: {active} inactive: {inactive}", True)


def assert_no_duplicate_frameworks(state: Mapping[str, Any]) -> HealthCheckResult:
    counts = Counter(str(f.get("name")) for f in state.get("frameworks") or ())
    lines, ok = ["Frameworks:"], True
    for name, count in sorted(counts.items()):
        if count > 1:
            ok = False
            lines.append(f"    CRITICAL: Framework {name} has {count} instances running--expected no more than 1.")
        else:
            lines.append(f"    Framework: {name} count: {count}")
    return HealthCheckResult("\n".join(lines), ok)


@dataclass(frozen=True)
class ZookeeperLocation:
    """Where Mesos masters register: kazoo's host string and the path of their nodes."""

    hosts: str
    path: str


def zookeeper_location(zk_flag: object) -> ZookeeperLocation | None:
    """The master's ``zk`` flag (``zk://[user:pass@]h1:2181,h2:2181/mesos``) split; None when it is no zk:// URL."""
    if not isinstance(zk_flag, str) or not zk_flag.startswith("zk://"):
        return None
    hosts, _, path = zk_flag.removeprefix("zk://").partition("/")
    hosts = hosts.rpartition("@")[2]
    if not hosts:
        return None
    return ZookeeperLocation(hosts, "/" + path.strip("/"))


def mesos_quorum(state: Mapping[str, Any]) -> int | None:
    """The master's ``quorum`` flag, or None when it has none (no replicated log to keep a quorum for)."""
    try:
        return int((state.get("flags") or {})["quorum"])
    except (KeyError, TypeError, ValueError):
        return None


def count_masters(children: Iterable[str]) -> int:
    """Masters among the children of the Mesos ZooKeeper path: their ``json.info_``/``info_`` nodes."""
    return sum(1 for child in children if child.startswith(("json.info_", "info_")))


def assert_quorum_size(masters: int, quorum: int) -> HealthCheckResult:
    """Healthy when at least ``quorum`` masters are registered."""
    if masters >= quorum:
        return HealthCheckResult(f"Quorum: masters: {masters} configured quorum: {quorum}", True)
    return HealthCheckResult(f"CRITICAL: Number of masters ({masters}) less than configured quorum({quorum}).", False)


def mesos_results(
    state: Mapping[str, Any],
    metrics: Mapping[str, Any],
    p: Palette,
    threshold: float = DEFAULT_THRESHOLD,
    quorum: HealthCheckResult | None = None,
) -> list[HealthCheckResult]:
    """Resources, tasks, slaves, the masters' ``quorum`` check (when given) and frameworks of the Mesos master."""
    return [
        assert_cpu_health(metrics, threshold, p),
        assert_memory_health(metrics, threshold, p),
        assert_disk_health(metrics, threshold, p),
        assert_tasks_running(metrics),
        assert_slave_health(metrics),
        *([quorum] if quorum is not None else []),
        assert_no_duplicate_frameworks(state),
    ]


def marathon_results(apps: int, tasks: int, deployments: int) -> list[HealthCheckResult]:
    """Counts of Marathon apps, tasks and deployments; no app or no task at all is critical."""
    return [
        HealthCheckResult(f"marathon apps: {apps:>10}", True)
        if apps
        else HealthCheckResult("CRITICAL: No marathon apps running", False),
        HealthCheckResult(f"marathon tasks: {tasks:>9}", True)
        if tasks
        else HealthCheckResult("CRITICAL: No marathon tasks running", False),
        HealthCheckResult(f"marathon deployments: {deployments:>3}", True),
    ]


def chronos_results(jobs: Sequence[Mapping[str, Any]], graph_csv: str) -> list[HealthCheckResult]:
    """Enabled jobs and how many of them are queued (waiting for resources)."""
    enabled = [job for job in jobs if not job.get("disabled")]
    names = {str(job.get("name")) for job in enabled}
    queued = sum(
        1 for name, node in parse_scheduler_graph(graph_csv).items() if name in names and node.state == "queued"
    )
    percent = round(queued / len(enabled) * 100) if enabled else 0
    return [
        HealthCheckResult(f"Enabled chronos jobs: {len(enabled)}", True),
        HealthCheckResult(f"Jobs Queued: {queued} ({percent}%)", True),
    ]


def not_configured(framework: str) -> list[HealthCheckResult]:
    return [HealthCheckResult(f"{framework} is not configured to run here", True)]


def unreachable(framework: str, error: str) -> list[HealthCheckResult]:
    return [HealthCheckResult(f"CRITICAL: Unable to contact {framework}: {error}", False)]


def is_healthy(results: Iterable[HealthCheckResult]) -> bool:
    return all(result.healthy for result in results)


def summary_lines(name: str, results: Sequence[HealthCheckResult], verbose: int, p: Palette) -> list[str]:
    """``<name> Status: OK|CRITICAL``, then every result (-v) or the failing ones, indented by 2."""
    ok = is_healthy(results)
    lines = [f"{name} Status: {p.green('OK') if ok else p.red('CRITICAL')}"]
    shown = results if verbose >= 1 else [r for r in results if not r.healthy]
    for result in shown:
        text = result.message if result.healthy else p.red(result.message)
        lines.extend(f"  {line}" for line in text.split("\n"))
    return lines


def _slave_use(slave: Mapping[str, Any]) -> dict[str, ResourceUse]:
    total, used = slave.get("resources") or {}, slave.get("used_resources") or {}
    return {
        name: ResourceUse(float(total.get(name) or 0) - float(used.get(name) or 0), float(total.get(name) or 0))
        for name in ("cpus", "mem", "disk")
    }


def _cell(use: ResourceUse, threshold: float, p: Palette, humanize: bool, unit: str) -> str:
    healthy = _has_free(_percent_used(use.total - use.free, use.total), threshold)
    if humanize and unit == "MB":
        text = f"{use.free / 1024:.1f}GiB/{use.total / 1024:.1f}GiB"
    else:
        text = f"{use.free:.2f}/{use.total:.2f}"
    return p.green(text) if healthy else p.red(text)


def _row(label: str, uses: Mapping[str, ResourceUse], threshold: float, p: Palette, humanize: bool) -> list[str]:
    units = {"cpus": "", "mem": "MB", "disk": "MB"}
    return [label] + [_cell(uses[name], threshold, p, humanize, unit) for name, unit in units.items()]


def _sum(uses: Iterable[Mapping[str, ResourceUse]]) -> dict[str, ResourceUse]:
    totals = {name: ResourceUse(0.0, 0.0) for name in ("cpus", "mem", "disk")}
    for use in uses:
        for name, value in use.items():
            totals[name] = ResourceUse(totals[name].free + value.free, totals[name].total + value.total)
    return totals


def grouping_lines(
    state: Mapping[str, Any], grouping: str, p: Palette, threshold: float = DEFAULT_THRESHOLD, humanize: bool = False
) -> list[str]:
    """``Resources Grouped by <attribute>`` table: free/total per value of the agents' attribute."""
    groups: dict[str, list[dict[str, ResourceUse]]] = {}
    for slave in state.get("slaves") or ():
        value = str((slave.get("attributes") or {}).get(grouping, "unknown"))
        groups.setdefault(value, []).append(_slave_use(slave))
    rows: list[list[str]] = [[grouping.capitalize(), "CPU (free/total)", "RAM (free/total)", "Disk (free/total)"]]
    rows += [_row(value, _sum(uses), threshold, p, humanize) for value, uses in sorted(groups.items())]
    return [f"  Resources Grouped by {grouping}"] + [f"    {line}" for line in format_table(rows)]


def per_slave_lines(
    state: Mapping[str, Any], p: Palette, threshold: float = DEFAULT_THRESHOLD, humanize: bool = False
) -> list[str]:
    """``Per Slave Utilization`` table (-vvv)."""
    rows: list[list[str]] = [["Hostname", "CPU (free/total)", "RAM (free/total)", "Disk (free/total)"]]
    slaves = sorted(state.get("slaves") or (), key=lambda s: str(s.get("hostname")))
    rows += [_row(str(s.get("hostname")), _slave_use(s), threshold, p, humanize) for s in slaves]
    return ["  Per Slave Utilization"] + [f"    {line}" for line in format_table(rows)]


def dashboard_lines(cluster: str, links: Mapping[str, str], p: Palette) -> list[str]:
    """``Dashboards:`` with aligned ``label: url`` lines, or upstream's red warning."""
    if not links:
        return [p.red(f"No dashboards configured for {cluster}!")]
    spacing = max(len(label) for label in links) + 1
    return ["Dashboards:"] + [
        f"  {label}:{' ' * (spacing - len(label))}{p.cyan(url)}" for label, url in sorted(links.items())
    ]
