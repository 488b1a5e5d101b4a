"""What HAProxy should route: frontends per SmartStack namespace and the tasks registered to each.

Reads the soa dir (smartstack.yaml of every service, the marathon instance of every running app) and
the Marathon apps JSON (``/v2/apps?embed=apps.tasks``); returns plain data for ``haproxy_config``.
One broken service is logged and skipped; it never hides the others.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.config.loader import load_instance_config
from paasta_tools.config.smartstack import ServiceNamespaceConfig, load_service_namespace_configs
from paasta_tools.config.soa_dir import list_services
from paasta_tools.errors import ConfigError, PaastaError
from paasta_tools.marathon.job_id import deformat_job_id

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Server:
    """One registered task: ``name`` is synapse's ``<host>:<port>_<host>``."""

    host: str
    port: int

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}_{self.host}"


@dataclass(frozen=True)
class Namespace:
    """One ``service.namespace`` in SmartStack and the tasks registered to it."""

    name: str
    proxy_port: int
    mode: str
    healthcheck_uri: str
    timeout_connect_ms: int
    timeout_server_ms: int
    timeout_client_ms: int
    retries: int
    servers: tuple[Server, ...] = field(default=())


def namespace_from_config(service: str, config: ServiceNamespaceConfig) -> Namespace:
    """The routing facts of one smartstack.yaml namespace (which has a proxy_port).

    ConfigError when the proxy_port or a timeout is not a number HAProxy can use.
    """
    name = f"{service}.{config.namespace}"
    port = config.proxy_port
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError(
            f"smartstack.yaml of {service}, namespace {config.namespace!r}: proxy_port {port!r} is not a port"
        )
    for key in ("timeout_connect_ms", "timeout_server_ms", "timeout_client_ms", "retries"):
        value = getattr(config, f"get_{key}")()
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(
                f"smartstack.yaml of {service}, namespace {config.namespace!r}: {key} {value!r} is not a count"
            )
    uri = config.get_healthcheck_uri()
    if not isinstance(uri, str) or any(c.isspace() for c in uri):
        raise ConfigError(f"smartstack.yaml of {service}, namespace {config.namespace!r}: healthcheck_uri {uri!r}")
    return Namespace(
        name=name,
        proxy_port=port,
        mode=config.get_mode() or "http",
        healthcheck_uri=uri,
        timeout_connect_ms=config.get_timeout_connect_ms(),
        timeout_server_ms=config.get_timeout_server_ms(),
        timeout_client_ms=config.get_timeout_client_ms(),
        retries=config.get_retries(),
    )


def smartstack_namespaces(soa_dir: str | os.PathLike[str]) -> dict[str, Namespace]:
    """Every namespace with a proxy_port in the soa dir, by ``service.namespace``."""
    found: dict[str, Namespace] = {}
    for service in list_services(soa_dir):
        try:
            configs = load_service_namespace_configs(soa_dir, service)
        except PaastaError as exc:
            log.warning("smartstack.yaml of %s skipped: %s", service, exc)
            continue
        for config in configs:
            if config.is_in_smartstack():
                try:
                    namespace = namespace_from_config(service, config)
                except PaastaError as exc:
                    log.warning("namespace skipped: %s", exc)
                    continue
                found[namespace.name] = namespace
    return without_port_clashes(found)


def without_port_clashes(namespaces: Mapping[str, Namespace]) -> dict[str, Namespace]:
    """Each proxy_port for one namespace only, the first by name; the others lose their frontend
    (proxy_port 0) but keep their backend, as the one HAProxy cannot bind a port twice."""
    owners: dict[int, str] = {}
    kept: dict[str, Namespace] = {}
    for name, namespace in sorted(namespaces.items()):
        owner = owners.setdefault(namespace.proxy_port, name)
        if owner != name:
            log.warning("%s: proxy_port %d is %s's already; no frontend for it", name, namespace.proxy_port, owner)
            namespace = dataclasses.replace(namespace, proxy_port=0)
        kept[name] = namespace
    return kept


def running_servers(app: Mapping[str, Any]) -> list[Server]:
    """The app's running tasks that have a host port (what nerve would announce)."""
    servers = []
    for task in app.get("tasks") or []:
        ports = task.get("ports") or []
        if task.get("state", "TASK_RUNNING") == "TASK_RUNNING" and ports and task.get("host"):
            servers.append(Server(str(task["host"]), int(ports[0])))
    return servers


def app_registrations(app_id: str, soa_dir: str | os.PathLike[str], cluster: str) -> list[str]:
    """``registrations`` of the app's marathon instance; [] when the app is not a soa-configs instance."""
    try:
        job = deformat_job_id(app_id)
        config = load_instance_config(
            job.service, job.instance, cluster, soa_dir, load_deployments=False, instance_type="marathon"
        )
        return list(config.get_registrations())
    except PaastaError as exc:
        log.debug("app %s is registered nowhere: %s", app_id, exc)
        return []


def build_topology(
    namespaces: Mapping[str, Namespace],
    apps: Iterable[Mapping[str, Any]],
    registrations_of: Any,
) -> list[Namespace]:
    """``namespaces`` with the servers of every app registered to them, sorted by name.

    ``registrations_of(app_id) -> [service.namespace, ...]`` is passed in so this stays pure.
    """
    servers: dict[str, set[Server]] = {name: set() for name in namespaces}
    for app in apps:
        app_servers = running_servers(app)
        if not app_servers:
            continue
        for registration in registrations_of(str(app.get("id", ""))):
            if registration in servers:
                servers[registration].update(app_servers)
    return [
        dataclasses.replace(namespace, servers=tuple(sorted(servers[name])))
        for name, namespace in sorted(namespaces.items())
    ]


def read_topology(soa_dir: str | os.PathLike[str], cluster: str, apps: Sequence[Mapping[str, Any]]) -> list[Namespace]:
    """The topology for the soa dir and the Marathon apps JSON (one soa-configs read per app)."""
    cache: dict[str, list[str]] = {}

    def registrations_of(app_id: str) -> list[str]:
        if app_id not in cache:
            cache[app_id] = app_registrations(app_id, soa_dir, cluster)
        return cache[app_id]

    return build_topology(smartstack_namespaces(soa_dir), apps, registrations_of)
