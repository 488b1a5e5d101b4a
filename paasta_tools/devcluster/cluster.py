"""The shared state of one devcluster: settings, durable store, executor, agent, host ports.

Marathon and Chronos emulations each register a ``Framework`` so the Mesos master API can list
their tasks and the resources they use.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from paasta_tools.devcluster.executors.base import Executor
from paasta_tools.devcluster.store import Store

DEFAULT_PORT_RANGE = (31000, 32000)


@dataclass(frozen=True)
class DevclusterSettings:
    """How one devcluster is run; written to ``<data_dir>/settings.json`` by the command."""

    data_dir: Path
    cluster: str = "devcluster"
    host: str = "127.0.0.1"
    marathon_port: int = 8080
    chronos_port: int = 8081
    mesos_port: int = 5050
    executor: str = "auto"  # auto, docker, process or noop
    agent_hostname: str = "127.0.0.1"
    agent_attributes: Mapping[str, str] = field(default_factory=lambda: {"region": "devregion", "pool": "default"})
    port_range: tuple[int, int] = DEFAULT_PORT_RANGE
    zookeeper: str = ""  # where the master registers (its zk flag), e.g. zk://127.0.0.1:2181/mesos-devcluster
    # Speed knobs for tests; real clusters use the defaults.
    reconcile_interval: float = 0.5
    # Chronos --failure_retry (ms in Chronos; seconds here) and --schedule_horizon.
    chronos_failure_retry: float = 60.0
    chronos_schedule_horizon: float = 60.0


class Framework(Protocol):
    """What the Mesos master view needs to know of a framework."""

    framework_id: str
    name: str

    def mesos_tasks(self) -> list[dict[str, Any]]:
        """The framework's tasks in Mesos master ``/state`` task JSON shape."""
        ...

    def completed_mesos_tasks(self) -> list[dict[str, Any]]:
        """Recently finished tasks, same shape."""
        ...


class PortsExhausted(Exception):
    pass


def port_is_bindable(port: int) -> bool:
    """Nothing on this machine holds 127.0.0.1:``port`` (another devcluster's task, a test server...)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class PortAllocator:
    """Hands out host ports from the agent's port range, as Mesos offers do.

    Unlike a real agent, the devcluster shares its machine (other devclusters, tests), so ports that
    something already holds are skipped too.
    """

    def __init__(self, port_range: tuple[int, int], is_free: Callable[[int], bool] = port_is_bindable) -> None:
        self._low, self._high = port_range
        self._used: set[int] = set()
        self._next = self._low
        self._is_free = is_free

    def allocate(self, count: int) -> list[int]:
        ports: list[int] = []
        span = self._high - self._low + 1
        for _ in range(span):
            if len(ports) == count:
                break
            candidate = self._next
            self._next = self._low if self._next >= self._high else self._next + 1
            if candidate not in self._used and candidate not in ports and self._is_free(candidate):
                ports.append(candidate)
        if len(ports) < count:
            raise PortsExhausted(f"no {count} free ports left in {self._low}-{self._high}")
        self._used.update(ports)
        return ports

    def reserve(self, ports: list[int]) -> None:
        """Mark ports as used (tasks recovered after a restart)."""
        self._used.update(ports)

    def release(self, ports: list[int]) -> None:
        self._used.difference_update(ports)

    @property
    def used(self) -> frozenset[int]:
        return frozenset(self._used)


@dataclass(frozen=True)
class AgentInfo:
    """The single Mesos agent: this machine's real resources."""

    agent_id: str
    hostname: str
    cpus: float
    mem: float
    disk: float
    port_range: tuple[int, int]
    attributes: Mapping[str, str]


def _machine_resources(data_dir: Path) -> tuple[float, float, float]:
    cpus = float(os.cpu_count() or 1)
    mem_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1024 * 1024)
    stat = os.statvfs(data_dir)
    disk_mb = stat.f_bavail * stat.f_frsize / (1024 * 1024)
    return cpus, float(int(mem_mb)), float(int(disk_mb))


class Cluster:
    """Everything the API modules share.  Built once per devcluster process.

    The executor must have been built on ``settings.data_dir`` (``make_executor(kind, data_dir)``):
    task sandboxes live in ``<data_dir>/sandboxes``, where the agent API serves them from.
    """

    def __init__(self, settings: DevclusterSettings, executor: Executor, store: Store | None = None) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store if store is not None else Store(settings.data_dir / "state.sqlite")
        self.executor = executor
        self.ports = PortAllocator(settings.port_range)
        self.frameworks: dict[str, Framework] = {}
        self.agent = self._load_agent()
        executor.bind_agent(self.agent.agent_id)

    def _load_agent(self) -> AgentInfo:
        saved = self.store.get("agent", "id")
        agent_id = saved or f"{uuid.uuid4()}-S0"
        if saved is None:
            self.store.put("agent", "id", agent_id)
        cpus, mem, disk = _machine_resources(self.settings.data_dir)
        return AgentInfo(
            agent_id=agent_id,
            hostname=self.settings.agent_hostname,
            cpus=cpus,
            mem=mem,
            disk=disk,
            port_range=self.settings.port_range,
            attributes=dict(self.settings.agent_attributes),
        )

    def register_framework(self, framework: Framework) -> None:
        self.frameworks[framework.name] = framework

    def framework_id(self, name: str) -> str:
        """A framework id that survives restarts, as a real framework's does."""
        saved = self.store.get("framework_id", name)
        if saved is None:
            saved = f"{uuid.uuid4()}-0000"
            self.store.put("framework_id", name, saved)
        return saved
