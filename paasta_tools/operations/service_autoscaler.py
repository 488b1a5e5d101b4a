"""The service autoscaler: for every autoscaled Marathon instance of the cluster, measure, decide, store.

An instance autoscales when it has ``max_instances``, its desired state is ``start``, it is deployed
and its decision policy is not ``bespoke`` (those keep their own count in ZooKeeper).  A run holds
the ZooKeeper lock ``/autoscaling/autoscaling.lock`` (held: the run is skipped), lists the Marathon
apps once, and per instance measures its utilization through its metrics provider, turns it into a
count change through its decision policy, and writes the new count to
``/autoscaling/<service>/<instance>/instances``, where setup_marathon_job reads it.  Each decision is
logged to the service's ``deploy`` log; an instance that fails is logged there too and never stops
the others.  The providers' and policies' state lives next to the count (see autoscaling.rst).
"""

from __future__ import annotations

import datetime
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.autoscaling import decision as decisions
from paasta_tools.autoscaling import forecasting, metrics, policies
from paasta_tools.autoscaling.params import AutoscalingParams, DecisionPolicy, MetricsProvider, parse_autoscaling_params
from paasta_tools.clients import marathon_client, zookeeper
from paasta_tools.clients.log_writer import LogWriter
from paasta_tools.clients.task_metrics import AgentStatistics, fetch_tasks_json
from paasta_tools.config.soa_dir import list_services
from paasta_tools.errors import (
    MALFORMED_VALUE_ERRORS,
    MarathonError,
    MesosError,
    MetricsProviderNoDataError,
    NoDockerImageError,
    PaastaError,
    PaastaNotConfiguredError,
)
from paasta_tools.marathon.app_dict import app_system_config_from
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask
from paasta_tools.operations.marathon_deploy import marathon_errors
from paasta_tools.operations.marathon_targets import InstanceTarget, load_service_targets

log = logging.getLogger(__name__)

JsonFetcher = Callable[[Sequence[tuple[str, int]], str], list[Any]]


class InstanceState:
    """The autoscaler's nodes of one instance under ``/autoscaling/<service>/<instance>``."""

    def __init__(self, client: Any, service: str, instance: str) -> None:
        self.client = client
        self.root = zookeeper.autoscaling_root(service, instance)

    def read(self, name: str) -> bytes | None:
        return zookeeper.read_node(self.client, f"{self.root}/{name}")

    def read_text(self, name: str) -> str | None:
        data = self.read(name)
        return None if data is None else data.decode("utf-8", "replace")

    def read_float(self, name: str) -> float | None:
        text = self.read_text(name)
        try:
            return None if text is None else float(text)
        except ValueError:
            return None

    def write(self, name: str, data: bytes | str) -> None:
        zookeeper.write_node(self.client, f"{self.root}/{name}", data if isinstance(data, bytes) else data.encode())


@dataclass
class AutoscalerEnv:
    """A run's collaborators: Marathon's app listing, ZooKeeper, the metrics sources, the log, a clock."""

    zk: Any
    cluster: str
    log_writer: LogWriter
    statistics: AgentStatistics | None = None
    fetch_json: JsonFetcher = fetch_tasks_json
    clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class InstanceResult:
    """One instance's outcome: the stored count (None: unchanged), or the error that stopped it."""

    name: str
    new_instances: int | None = None
    error: str | None = None
    no_data: bool = False


@dataclass
class AutoscaleReport:
    lock_held: bool = False
    results: list[InstanceResult] = field(default_factory=list)

    @property
    def failures(self) -> list[InstanceResult]:
        """Instances that failed for a reason other than having no metrics yet."""
        return [r for r in self.results if r.error is not None and not r.no_data]


def wants_autoscaling(target: InstanceTarget) -> bool:
    """Deployed, with max_instances, desired state start, and a policy other than bespoke."""
    config = target.config
    if config is None or target.app_dict is None or config.get_max_instances() is None:
        return False
    if config.get_desired_state() != "start":
        return False
    return config.get_autoscaling_params().get("decision_policy") != DecisionPolicy.BESPOKE.value


def where_of(target: InstanceTarget, cluster: str) -> str:
    """How errors name the instance: ``svc.main in marathon-<cluster>.yaml``."""
    return f"{target.name} in marathon-{cluster}.yaml"


def _write_log(env: AutoscalerEnv, target: InstanceTarget, line: str, level: str = "event") -> None:
    env.log_writer.log(target.service, line, "deploy", level=level, cluster=env.cluster, instance=target.instance)


def _mesos_cpu_utilization(
    env: AutoscalerEnv, state: InstanceState, tasks: Sequence[MarathonTask], now: float
) -> tuple[float, dict[str, str]]:
    if env.statistics is None:
        raise MesosError("the mesos_cpu metrics provider needs mesos_url in the system config")
    sample = metrics.cpu_sample(env.statistics.of_tasks((task.id, task.host) for task in tasks))
    previous_text, previous_time = state.read_text("cpu_data"), state.read_float("cpu_last_time")
    current_text = metrics.format_cpu_data(sample)
    state.write("cpu_data", current_text)
    state.write("cpu_last_time", str(now))
    data = {str(now): current_text}
    if previous_text is not None:
        data = {str(previous_time): previous_text, **data}
    previous = metrics.parse_cpu_data(previous_text or "")
    return metrics.cpu_utilization(previous, previous_time, sample, now), data


def measure_utilization(
    env: AutoscalerEnv, target: InstanceTarget, params: AutoscalingParams, tasks: Sequence[MarathonTask], now: float
) -> tuple[float, dict[str, str]]:
    """The instance's mean utilization by its metrics provider, and the raw data behind it (mesos_cpu)."""
    if params.metrics_provider is MetricsProvider.MESOS_CPU:
        return _mesos_cpu_utilization(env, InstanceState(env.zk, target.service, target.instance), tasks, now)
    mapper = metrics.uwsgi_utilization if params.metrics_provider is MetricsProvider.UWSGI else metrics.http_utilization
    endpoint = params.endpoint.lstrip("/")
    answers = env.fetch_json([(task.host, task.ports[0]) for task in tasks if task.ports], endpoint)
    return metrics.mean_http_utilization(answers, mapper, endpoint, target.name), {}


def _pid_delta(state: InstanceState, error: float, current: int, bounds: tuple[int, int], now: float) -> int:
    iterm, last_error, last_time = (state.read_float(n) for n in ("pid_iterm", "pid_last_error", "pid_last_time"))
    if iterm is None or last_error is None or last_time is None:
        previous = policies.PidState()  # upstream starts over unless all three nodes are there
    else:
        previous = policies.PidState(iterm, last_error, last_time)
    delta, new = policies.pid_policy(error, current, bounds[0], bounds[1], previous, now)
    state.write("pid_iterm", str(new.iterm))
    state.write("pid_last_error", str(new.last_error))
    state.write("pid_last_time", str(new.last_time))
    return delta


def _proportional_delta(
    state: InstanceState,
    params: AutoscalingParams,
    utilization: float,
    counts: tuple[int, int, int, int],
    now: float,
    where: str,
) -> int:
    current, min_instances, max_instances, healthy = counts
    inputs = policies.ProportionalInputs(
        current, min_instances, max_instances, params.setpoint, utilization, healthy,
        params.offset, params.forecast_policy, params.good_enough_window, params.forecast_options,
    )  # fmt: skip
    history = forecasting.deserialize_historical_load(state.read("historical_load") or b"")
    delta, new_history = policies.proportional_policy(inputs, history, now, where)
    state.write("historical_load", forecasting.serialize_historical_load(new_history))
    return delta


def policy_delta(
    env: AutoscalerEnv,
    target: InstanceTarget,
    params: AutoscalingParams,
    utilization: float,
    error: float,
    counts: tuple[int, int, int, int],
) -> int:
    """The count change the instance's decision policy asks for (its state read and written in ZooKeeper).

    ``counts`` is (current, min_instances, max_instances, counted tasks).
    """
    current, min_instances, max_instances, _ = counts
    state = InstanceState(env.zk, target.service, target.instance)
    now = env.clock()
    if params.decision_policy is DecisionPolicy.THRESHOLD:
        return policies.threshold_policy(current, error)
    if params.decision_policy is DecisionPolicy.PID:
        return _pid_delta(state, error, current, (min_instances, max_instances), now)
    if params.decision_policy is DecisionPolicy.PROPORTIONAL:
        return _proportional_delta(state, params, utilization, counts, now, where_of(target, env.cluster))
    return 0


def autoscale_instance(env: AutoscalerEnv, target: InstanceTarget, app: MarathonAppState | None) -> int | None:
    """Measure, decide, log and store for one instance; the stored count or None when it stays.

    ``app`` is the Marathon app with the instance's current app id (None when it does not exist).
    """
    config = target.config
    params = parse_autoscaling_params(config.get_autoscaling_params(), where_of(target, env.cluster))
    now = env.clock()
    tasks = decisions.autoscaling_tasks(app, datetime.datetime.fromtimestamp(now, datetime.UTC))
    if not tasks:
        raise MetricsProviderNoDataError("Couldn't find any healthy marathon tasks")
    current = config.get_instances(zookeeper.read_autoscaled_instances(env.zk, target.service, target.instance))
    min_instances, max_instances = config.get_min_instances(), config.get_max_instances()
    utilization, raw_data = measure_utilization(env, target, params, tasks, now)
    error = policies.error_from_utilization(utilization, params.setpoint, current)
    counts = (current, min_instances, max_instances, len(tasks))
    delta = policy_delta(env, target, params, utilization, error, counts)
    new = decisions.new_instance_count(current, delta, min_instances, max_instances)
    insufficient = decisions.is_task_data_insufficient(len(tasks), current)
    decision = decisions.decide(current, new, error, insufficient, raw_data)
    for line in decision.log_lines:
        _write_log(env, target, line.line, line.level)
    if decision.new_instances is not None:
        zookeeper.write_autoscaled_instances(env.zk, target.service, target.instance, decision.new_instances)
    return decision.new_instances


def run_instance(env: AutoscalerEnv, target: InstanceTarget, apps: Mapping[str, MarathonAppState]) -> InstanceResult:
    """``autoscale_instance`` with every failure logged to the deploy log and returned, never raised."""
    try:
        new = autoscale_instance(env, target, apps.get(str(target.app_dict["id"]).lstrip("/")))
    except Exception as exc:  # one broken instance must not stop the others
        _write_log(env, target, f"Caught Exception {exc}")
        if not isinstance(exc, PaastaError):  # a bug or library surprise: keep its traceback for the operator
            log.warning("Unexpected error autoscaling %s", target.name, exc_info=True)
        return InstanceResult(target.name, error=str(exc), no_data=isinstance(exc, MetricsProviderNoDataError))
    return InstanceResult(target.name, new_instances=new)


def _may_autoscale(target: InstanceTarget) -> bool:
    # an instance not deployed yet is no error; a broken one is ours only if it may autoscale
    if isinstance(target.error, NoDockerImageError):
        return False
    return target.config is None or target.config.get_max_instances() is not None


def cluster_targets(system_config: Any, soa_dir: str, zk: Any) -> tuple[list[InstanceTarget], list[InstanceResult]]:
    """The instances to autoscale, and results for those whose configuration could not be loaded."""
    cluster = system_config.get_cluster()
    app_system = app_system_config_from(system_config)

    def stored(service: str, instance: str) -> int | None:
        from kazoo.exceptions import KazooException

        try:
            return zookeeper.read_autoscaled_instances(zk, service, instance)
        except KazooException as exc:  # becomes this instance's error, as a broken config would
            path = zookeeper.autoscaling_path(service, instance)
            raise zookeeper.ZookeeperError(f"could not read {path} from ZooKeeper: {exc!r}") from exc

    wanted, broken = [], []
    for service in list_services(soa_dir):
        try:
            targets = load_service_targets(service, soa_dir, cluster, app_system, None, stored)
        except MALFORMED_VALUE_ERRORS as exc:  # a malformed value no loader check caught
            where = os.path.join(soa_dir, service, f"marathon-{cluster}.yaml")
            broken.append(InstanceResult(f"{service}.*", error=f"could not load {where}: {type(exc).__name__}: {exc}"))
            continue
        for target in targets:
            if target.error is not None and _may_autoscale(target):
                broken.append(InstanceResult(target.name, error=str(target.error)))
            elif wants_autoscaling(target):
                wanted.append(target)
    return wanted, broken


def _apps_by_id(client: Any) -> dict[str, MarathonAppState]:
    try:
        apps = marathon_client.list_apps(client, embed_tasks=True)
    except marathon_errors() as exc:
        raise MarathonError(f"Could not list the Marathon apps: {exc}") from exc
    return {app.id.lstrip("/"): app for app in apps}


def _autoscale_locked(
    system_config: Any, soa_dir: str, zk: Any, log_writer: LogWriter, marathon: Any, fetch_json: JsonFetcher
) -> list[InstanceResult]:
    targets, results = cluster_targets(system_config, soa_dir, zk)
    if not targets:
        return results
    marathon = marathon or marathon_client.get_marathon_client_from_config(system_config.get_marathon_config())
    apps = _apps_by_id(marathon)
    mesos_url = system_config.get("mesos_url")
    env = AutoscalerEnv(
        zk=zk,
        cluster=system_config.get_cluster(),
        log_writer=log_writer,
        statistics=AgentStatistics(mesos_url) if mesos_url else None,
        fetch_json=fetch_json,
    )
    return results + [run_instance(env, target, apps) for target in targets]


def autoscale_services(
    system_config: Any, soa_dir: str, log_writer: LogWriter, marathon: Any = None, fetch_json: JsonFetcher | None = None
) -> AutoscaleReport:
    """One autoscaler run over the cluster of ``system_config`` (see the module docstring).

    ``marathon`` is a Marathon client (default: from the system config), ``fetch_json`` what asks
    the tasks of http/uwsgi instances.  The report says whether the lock was held and what happened
    to each instance.
    """
    zk_url = system_config.get("zookeeper")
    if not zk_url:
        raise PaastaNotConfiguredError(
            f"Could not find zookeeper in configuration directory: {system_config.directory}"
        )
    from kazoo.exceptions import KazooException

    with zookeeper.zk_connection(zk_url) as zk:
        try:
            with zookeeper.autoscaling_lock(zk):
                results = _autoscale_locked(
                    system_config, soa_dir, zk, log_writer, marathon, fetch_json or fetch_tasks_json
                )
        except zookeeper.LockHeldError:
            log.info("Skipping autoscaling run for services because the lock is held")
            return AutoscaleReport(lock_held=True)
        except KazooException as exc:  # the connection failed under the lock itself
            raise zookeeper.ZookeeperError(f"ZooKeeper at {zk_url} failed during the run: {exc!r}") from exc
    return AutoscaleReport(results=results)
