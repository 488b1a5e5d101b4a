"""Running one devcluster in the foreground: its API servers, ZooKeeper, registry and system config.

``serve`` is what ``paasta-devcluster up --foreground`` (and the daemonised ``up``) runs.  The data
dir holds everything of the cluster: ``state.sqlite``, ``devcluster.pid``, ``devcluster.log``,
``settings.json``, ``components.json``, the ``etc_paasta/`` system config, task sandboxes and the
ZooKeeper and registry data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from paasta_tools.devcluster import components
from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
from paasta_tools.devcluster.executors.process import pid_start_ticks
from paasta_tools.devcluster.json_files import write_json
from paasta_tools.devcluster.system_config import DevclusterEndpoints, write_system_config
from paasta_tools.errors import DevclusterError

log = logging.getLogger("paasta_tools.devcluster")

PID_FILE = "devcluster.pid"
LOG_FILE = "devcluster.log"
SETTINGS_FILE = "settings.json"
COMPONENTS_FILE = "components.json"
SYSTEM_CONFIG_DIR = "etc_paasta"
SENSU_EVENTS_FILE = "sensu-events.jsonl"
SMARTSTACK_DIR = "smartstack"
DEFAULT_ATTRIBUTES = (("region", "devregion"), ("pool", "default"))


@dataclass(frozen=True)
class UpOptions:
    """What ``paasta-devcluster up`` was asked for."""

    data_dir: Path
    cluster: str = "devcluster"
    marathon_port: int = 8080
    chronos_port: int = 8081
    mesos_port: int = 5050
    zookeeper_port: int = 2181
    registry_port: int = 5000
    executor: str = "auto"
    sensu_port: int = 3030
    zookeeper: bool = True
    registry: bool = True
    sensu: bool = True
    attributes: tuple[tuple[str, str], ...] = DEFAULT_ATTRIBUTES
    soa_dir: str | None = None  # SmartStack (synapse + HAProxy + hacheck) runs only with one
    synapse_port: int = 3212
    hacheck_port: int = 6666
    api_port: int = 5054  # paasta-api, like SmartStack, runs only with a soa_dir

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "data_dir": str(self.data_dir), "attributes": [list(a) for a in self.attributes]}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> UpOptions:
        known = {key: value for key, value in document.items() if key in cls.__dataclass_fields__}
        attributes = tuple(tuple(pair) for pair in known.get("attributes", DEFAULT_ATTRIBUTES))
        return cls(**{**known, "data_dir": Path(known["data_dir"]), "attributes": attributes})


def ensure_data_dir(data_dir: Path) -> None:
    """Create the data dir; DevclusterError naming it when that is impossible or it is not writable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DevclusterError(f"--data-dir {data_dir}: cannot create it: {exc.strerror or exc}") from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise DevclusterError(f"--data-dir {data_dir}: not writable")


def process_record(pid: int) -> dict[str, Any]:
    """``{"pid", "start_ticks"}``: enough to recognise the process later despite pid reuse."""
    return {"pid": pid, "start_ticks": pid_start_ticks(pid)}


def record_alive(record: Any) -> bool:
    if not isinstance(record, dict) or not isinstance(record.get("pid"), int):
        return False
    ticks = pid_start_ticks(record["pid"])
    return ticks is not None and ticks == record.get("start_ticks")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def check_api_ports(options: UpOptions) -> None:
    """Raise DevclusterError naming the flag of the first API port already in use."""
    for flag, port in (
        ("--marathon-port", options.marathon_port),
        ("--chronos-port", options.chronos_port),
        ("--mesos-port", options.mesos_port),
    ):
        if not port_is_free(port):
            raise DevclusterError(f"cannot start the devcluster: 127.0.0.1:{port} ({flag}) is already in use")


def endpoints(
    options: UpOptions, sensu: bool = False, smartstack: bool = False, api: bool = False
) -> DevclusterEndpoints:
    """Where this devcluster's parts answer (ZooKeeper and the registry at their ports even if absent;
    Sensu events only when the recorder listens, the synapse only when SmartStack runs, paasta-api likewise)."""
    base = "http://127.0.0.1"
    return DevclusterEndpoints(
        cluster=options.cluster,
        marathon_url=f"{base}:{options.marathon_port}",
        chronos_url=f"{base}:{options.chronos_port}",
        mesos_url=f"{base}:{options.mesos_port}",
        zookeeper_port=options.zookeeper_port,
        registry=f"127.0.0.1:{options.registry_port}",
        log_dir=options.data_dir / "logs",
        sensu_port=options.sensu_port if sensu else None,
        synapse_port=options.synapse_port if smartstack else None,
        hacheck_port=options.hacheck_port if smartstack else None,
        api_url=f"{base}:{options.api_port}" if api else None,
    )


class SideComponents:
    """ZooKeeper and the registry, started when installed; each failure is a message, not an error."""

    def __init__(self, options: UpOptions) -> None:
        self.options = options
        self.processes: dict[str, tuple[components.Component, subprocess.Popen]] = {}
        self.messages: list[str] = []
        self.extra_records: dict[str, Any] = {}  # processes started by in-process parts (SmartStack's HAProxy)

    def start_zookeeper(self) -> None:
        """Started first: the JVM comes up while the devcluster imports and binds its APIs."""
        if self.options.zookeeper:
            reason = components.missing_zookeeper()
            self._start("zookeeper", reason, self.options.zookeeper_port, components.zookeeper_component)

    def start_registry(self, docker_available: bool) -> None:
        if self.options.registry:
            reason = components.missing_registry()
            if reason is None and not docker_available:
                reason = "no Docker engine answers, so there is nothing to push images from"
            self._start("registry", reason, self.options.registry_port, components.registry_component)

    def _start(self, name: str, reason: str | None, port: int, build: Any) -> None:
        if reason is None and not port_is_free(port):
            reason = f"127.0.0.1:{port} is already in use"
        if reason is not None:
            self.messages.append(f"{name} not started: {reason}")
            return
        component = build(self.options.data_dir / name, port)
        self.processes[name] = (component, components.start(component))

    def api_wanted(self) -> bool:
        """paasta-api runs with a soa dir when its port is free (else a message says why not)."""
        if self.options.soa_dir is None:
            return False
        if not port_is_free(self.options.api_port):
            self.messages.append(f"paasta-api not started: 127.0.0.1:{self.options.api_port} is already in use")
            return False
        return True

    def start_api(self, system_config_dir: Path) -> bool:
        """Start paasta-api over the written system config and wait until it answers; False (and a message)
        when it does not."""
        work_dir, port = self.options.data_dir / "paasta-api", self.options.api_port
        component = components.api_component(work_dir, port, str(self.options.soa_dir), system_config_dir)
        process = components.start(component)
        try:
            components.wait_ready(component, process, timeout=30)
        except RuntimeError as exc:
            components.stop(process)
            self.messages.append(f"paasta-api not started: {str(exc).splitlines()[0]} (see {component.log_path})")
            return False
        self.processes["paasta-api"] = (component, process)
        return True

    def records(self) -> dict[str, Any]:
        return {
            **self.extra_records,
            **{
                name: {**process_record(process.pid), "port": component.port}
                for name, (component, process) in self.processes.items()
            },
        }

    def stop(self) -> None:
        for _, process in self.processes.values():
            components.stop(process)


def register_master_in_zookeeper(
    options: UpOptions, master_id: str, side: SideComponents, stop: threading.Event
) -> None:
    """Announce the master under ``/mesos-<cluster>`` as Mesos masters do (``json.info_`` nodes)."""
    if "zookeeper" not in side.processes:
        return
    component, process = side.processes["zookeeper"]
    try:
        components.wait_ready(component, process, timeout=30)
        from kazoo.client import KazooClient

        client = KazooClient(hosts=f"127.0.0.1:{component.port}", timeout=5)
        client.start(timeout=10)
    except Exception as exc:  # ZooKeeper is optional: report and carry on
        log.warning("ZooKeeper did not come up: %s", exc)
        return
    info = {
        "address": {"hostname": "127.0.0.1", "ip": "127.0.0.1", "port": options.mesos_port},
        "hostname": "127.0.0.1",
        "id": master_id,
        "ip": 16777343,
        "pid": f"master@127.0.0.1:{options.mesos_port}",
        "port": options.mesos_port,
        "version": "1.1.0",
    }
    chroot = f"/mesos-{options.cluster}"
    client.ensure_path(chroot)
    client.create(f"{chroot}/json.info_", json.dumps(info).encode(), ephemeral=True, sequence=True)
    stop.wait()
    client.stop()
    client.close()


def build_cluster(options: UpOptions, zookeeper: str = "") -> tuple[Cluster, bool]:
    """The Cluster for ``options`` and whether it runs tasks in Docker; ``zookeeper`` is the master's zk flag."""
    from paasta_tools.devcluster.executors.factory import ExecutorUnavailable, make_executor

    try:
        executor = make_executor(options.executor, options.data_dir)
    except ExecutorUnavailable as exc:
        raise DevclusterError(str(exc)) from None
    settings = DevclusterSettings(
        data_dir=options.data_dir,
        cluster=options.cluster,
        marathon_port=options.marathon_port,
        chronos_port=options.chronos_port,
        mesos_port=options.mesos_port,
        executor=options.executor,
        agent_attributes=dict(options.attributes),
        zookeeper=zookeeper,
    )
    return Cluster(settings, executor), executor.name == "docker"


async def _start_sensu(options: UpOptions, messages: list[str]) -> asyncio.AbstractServer | None:
    if not options.sensu:
        return None
    from paasta_tools.devcluster.sensu import start_sensu_recorder

    try:
        return await start_sensu_recorder(options.sensu_port, options.data_dir / SENSU_EVENTS_FILE)
    except OSError as exc:
        messages.append(f"sensu recorder not started: 127.0.0.1:{options.sensu_port}: {exc.strerror or exc}")
        return None


async def _start_smartstack(options: UpOptions, side: SideComponents) -> Any | None:
    """SmartStack when ``--soa-dir`` was given and HAProxy is installed; its HAProxy is recorded
    (again after every reload) so that ``down`` stops it even after a crash."""
    if options.soa_dir is None:
        return None
    from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy
    from paasta_tools.devcluster.smartstack.synapse import SmartStack, SmartStackSettings

    reason = missing_haproxy()
    if reason is not None:
        side.messages.append(f"smartstack not started: {reason}")
        return None
    settings = SmartStackSettings(
        soa_dir=Path(options.soa_dir),
        cluster=options.cluster,
        marathon_url=f"http://127.0.0.1:{options.marathon_port}",
        work_dir=options.data_dir / SMARTSTACK_DIR,
        synapse_port=options.synapse_port,
        hacheck_port=options.hacheck_port,
    )

    def record(pids: list[int]) -> None:
        side.extra_records["smartstack-haproxy"] = {**process_record(pids[0]), "port": options.synapse_port}
        write_json(options.data_dir / COMPONENTS_FILE, side.records())

    smartstack = SmartStack(settings, on_processes=record)
    try:
        await smartstack.start()
    except DevclusterError as exc:
        side.messages.append(f"smartstack not started: {exc}")
        return None
    return smartstack


async def _write_system_config_and_start_api(
    options: UpOptions, side: SideComponents, sensu: bool, smartstack: bool
) -> None:
    """The system config, naming paasta-api only once it answers (it reads that config as it starts)."""
    etc = options.data_dir / SYSTEM_CONFIG_DIR
    api = side.api_wanted()
    write_system_config(etc, endpoints(options, sensu, smartstack, api))
    if api and not await asyncio.to_thread(side.start_api, etc):
        write_system_config(etc, endpoints(options, sensu, smartstack))
    write_json(options.data_dir / COMPONENTS_FILE, side.records())


async def _serve(options: UpOptions, side: SideComponents, ready: Any) -> None:
    from paasta_tools.devcluster.server import start_servers, stop_servers

    # The master names the ZooKeeper it registers in only when the devcluster started one.
    zookeeper = (
        f"zk://127.0.0.1:{options.zookeeper_port}/mesos-{options.cluster}" if "zookeeper" in side.processes else ""
    )
    cluster, in_docker = build_cluster(options, zookeeper)
    if options.executor == "auto" and not in_docker:
        side.messages.append("no Docker engine answers: tasks run as local processes")
    side.start_registry(in_docker)
    write_json(options.data_dir / COMPONENTS_FILE, side.records())
    stop_zk = threading.Event()
    try:
        runners = await start_servers(cluster)
    except OSError as exc:
        raise DevclusterError(f"cannot start the devcluster: {exc.strerror or exc}") from None
    data_dir = options.data_dir
    sensu = await _start_sensu(options, side.messages)
    smartstack = await _start_smartstack(options, side)
    await _write_system_config_and_start_api(options, side, sensu is not None, smartstack is not None)
    write_json(data_dir / PID_FILE, {**process_record(os.getpid()), "executor": cluster.executor.name})
    master_id = cluster.store.get("mesos", "master_id") or options.cluster
    zk_thread = threading.Thread(
        target=register_master_in_zookeeper, args=(options, master_id, side, stop_zk), daemon=True
    )
    zk_thread.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    ready({"messages": side.messages, "executor": cluster.executor.name})
    await stopping.wait()
    log.info("stopping the devcluster")
    stop_zk.set()
    if sensu is not None:
        sensu.close()
    if smartstack is not None:
        await smartstack.stop()
    await stop_servers(cluster, runners, kill_tasks=True)
    (data_dir / PID_FILE).unlink(missing_ok=True)


def serve(options: UpOptions, ready: Any) -> None:
    """Run the devcluster until SIGTERM/SIGINT; ``ready({"messages", "executor"})`` is called once it answers."""
    ensure_data_dir(options.data_dir)
    write_json(options.data_dir / SETTINGS_FILE, options.to_json())
    check_api_ports(options)
    side = SideComponents(options)
    side.start_zookeeper()
    # Recorded at once, so that `down` finds them even if this process dies while starting.
    write_json(options.data_dir / COMPONENTS_FILE, side.records())
    try:
        asyncio.run(_serve(options, side, ready))
    finally:
        side.stop()
