"""The files other hosts' tooling reads about SmartStack namespaces, rendered from soa-configs data.

Pure: each function takes :class:`ServiceNamespaces` (what service.yaml and smartstack.yaml of one
service say) and returns text or data.

* ``/etc/services``-style lines (generate_services_file): ``name<TAB>port/tcp<TAB># description``,
  first the service's own ``port`` from service.yaml, then every namespace with a ``proxy_port``;
* services.yaml (generate_services_yaml): ``service.namespace: {host: 169.254.255.254, port: proxy_port}``;
* the ``synapse_srv_namespaces`` facter fact: ``service.namespace:proxy_port`` sorted, comma separated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import ConfigError

# The link-local address every host (and container) reaches its local synapse on.
YOCALHOST = "169.254.255.254"
DEFAULT_DESCRIPTION = "No description"
FACT_NAME = "synapse_srv_namespaces"


@dataclass(frozen=True)
class ServiceNamespaces:
    """One service: service.yaml ``port`` and ``description``, and ``(namespace, proxy_port)`` in file order.

    Namespaces without a proxy_port are not listed.
    """

    service: str
    port: int | None = None
    description: str = DEFAULT_DESCRIPTION
    namespaces: tuple[tuple[str, int], ...] = ()

    def full_names(self) -> list[tuple[str, int]]:
        """``(service.namespace, proxy_port)`` pairs."""
        return [(f"{self.service}.{namespace}", port) for namespace, port in self.namespaces]


def _port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{where}: must be a port number, not {value!r}")
    try:
        port = int(value)
    except ValueError:
        raise ConfigError(f"{where}: must be a port number, not {value!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{where}: must be a port number between 1 and 65535, not {port}")
    return port


def service_namespaces_from_dicts(
    service: str,
    service_yaml: Mapping[str, Any],
    smartstack: Mapping[str, Any],
    where: str = "",
) -> ServiceNamespaces:
    """Build a ServiceNamespaces from the parsed service.yaml and smartstack.yaml of ``service``.

    ``where`` is the service's directory, used in error messages; a bad port raises ConfigError.
    """
    where = where or service
    port = service_yaml.get("port")
    description = service_yaml.get("description")
    namespaces = []
    for namespace, raw in smartstack.items():
        if raw is not None and not isinstance(raw, Mapping):
            raise ConfigError(f"{where}/smartstack.yaml, namespace {namespace!r}: must be a mapping of keys to values")
        proxy_port = (raw or {}).get("proxy_port")
        if proxy_port is not None:
            location = f"{where}/smartstack.yaml, namespace {namespace!r}, key 'proxy_port'"
            namespaces.append((str(namespace), _port(proxy_port, location)))
    return ServiceNamespaces(
        service=service,
        port=None if port is None else _port(port, f"{where}/service.yaml, key 'port'"),
        description=DEFAULT_DESCRIPTION if description is None else str(description),
        namespaces=tuple(namespaces),
    )


def services_file_lines(services: Iterable[ServiceNamespaces]) -> list[str]:
    """The ``/etc/services`` lines of every service, in the order given."""
    lines = []
    for entry in services:
        if entry.port is not None:
            lines.append(f"{entry.service}\t{entry.port}/tcp\t# {entry.description}")
        for full_name, proxy_port in entry.full_names():
            lines.append(f"{full_name}\t{proxy_port}/tcp\t# {entry.description}")
    return lines


def render_services_file(services: Iterable[ServiceNamespaces]) -> str:
    """The whole services file text (one line per entry, newline terminated)."""
    return "".join(line + "\n" for line in services_file_lines(services))


def services_yaml_config(services: Iterable[ServiceNamespaces]) -> dict[str, dict[str, Any]]:
    """``{service.namespace: {"host": YOCALHOST, "port": proxy_port}}``."""
    return {
        full_name: {"host": YOCALHOST, "port": proxy_port}
        for entry in services
        for full_name, proxy_port in entry.full_names()
    }


def render_services_yaml(config: Mapping[str, Mapping[str, Any]]) -> str:
    """services.yaml as upstream dumped it: explicit ``---`` start, block style, indent 2, keys sorted."""
    import yaml

    return yaml.safe_dump(dict(config), indent=2, explicit_start=True, default_flow_style=False)


def synapse_namespaces_fact(services: Iterable[ServiceNamespaces]) -> str:
    """``synapse_srv_namespaces=a.main:20001,b.canary:20002`` (entries sorted as strings)."""
    entries = sorted(f"{full_name}:{port}" for entry in services for full_name, port in entry.full_names())
    return f"{FACT_NAME}=" + ",".join(entries)
