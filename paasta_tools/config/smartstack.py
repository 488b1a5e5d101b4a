"""smartstack.yaml: per-namespace service discovery settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paasta_tools.config.soa_dir import SMARTSTACK_YAML, ServiceFiles, service_dir
from paasta_tools.config.yaml_files import read_yaml_file
from paasta_tools.errors import ConfigError

SMARTSTACK_MODES = ("http", "tcp", "https")
DEFAULT_HEALTHCHECK_URI = "/status"
DEFAULT_DISCOVER = "region"

# The keys PaaSTA reads from a namespace; anything else belongs to synapse/nerve tooling.
_COPIED_KEYS = (
    "proxy_port",
    "healthcheck_mode",
    "healthcheck_uri",
    "healthcheck_port",
    "healthcheck_timeout_s",
    "updown_timeout_s",
    "timeout_connect_ms",
    "timeout_server_ms",
    "timeout_client_ms",
    "retries",
    "discover",
    "advertise",
    "extra_healthcheck_headers",
)


class InvalidSmartstackMode(ConfigError):
    """A smartstack namespace has a ``mode`` other than http, tcp or https."""


@dataclass(frozen=True)
class ServiceNamespaceConfig:
    """One smartstack namespace; unset keys are None.  ``mode`` is already defaulted."""

    namespace: str = ""
    proxy_port: int | None = None
    mode: str | None = None
    healthcheck_mode: str | None = None
    healthcheck_uri: str | None = None
    healthcheck_port: int | None = None
    healthcheck_timeout_s: float | None = None
    updown_timeout_s: float | None = None
    timeout_connect_ms: int | None = None
    timeout_server_ms: int | None = None
    timeout_client_ms: int | None = None
    retries: int | None = None
    discover: str | None = None
    advertise: list[str] | None = None
    extra_healthcheck_headers: Mapping[str, str] | None = None
    routes: list[tuple[str, str]] | None = None
    extra_advertise: list[tuple[str, str]] | None = None
    _present: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style access: the value of ``key`` if the namespace set it (``mode`` always set)."""
        if key in self._present or key == "mode":
            return getattr(self, key)
        return default

    def __contains__(self, key: str) -> bool:
        return key in self._present or key == "mode"

    def is_in_smartstack(self) -> bool:
        """True when the namespace has a proxy_port."""
        return self.proxy_port is not None

    def get_mode(self) -> str | None:
        return self.mode

    def get_healthcheck_uri(self) -> str:
        return self.healthcheck_uri if self.healthcheck_uri is not None else DEFAULT_HEALTHCHECK_URI

    def get_discover(self) -> str:
        return self.discover if self.discover is not None else DEFAULT_DISCOVER

    def get_advertise(self) -> list[str]:
        return list(self.advertise) if self.advertise is not None else [DEFAULT_DISCOVER]

    def get_healthcheck_timeout_s(self) -> float:
        return self.healthcheck_timeout_s if self.healthcheck_timeout_s is not None else 1

    def get_timeout_connect_ms(self) -> int:
        return self.timeout_connect_ms if self.timeout_connect_ms is not None else 200

    def get_timeout_server_ms(self) -> int:
        return self.timeout_server_ms if self.timeout_server_ms is not None else 1000

    def get_timeout_client_ms(self) -> int:
        return self.timeout_client_ms if self.timeout_client_ms is not None else 1000

    def get_retries(self) -> int:
        return self.retries if self.retries is not None else 1


def _default_mode(raw_mode: Any, in_smartstack: bool, where: str) -> str | None:
    if raw_mode is None:
        return "http" if in_smartstack else None
    if raw_mode in SMARTSTACK_MODES:
        return raw_mode
    raise InvalidSmartstackMode(f"{where}, key 'mode': unknown mode {raw_mode!r}; must be one of http, tcp, https")


def _pairs(raw: Any, where: str, key: str) -> list[tuple[str, str]]:
    try:
        if key == "routes":
            return [(route["source"], dest) for route in raw for dest in route["destinations"]]
        return [(src, dst) for src in raw for dst in raw[src]]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{where}, key {key!r}: malformed value ({exc!r})") from None


def namespace_config_from_dict(namespace: str, raw: Mapping[str, Any], where: str) -> ServiceNamespaceConfig:
    """Build a ServiceNamespaceConfig from one namespace's dict of smartstack.yaml."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a mapping of keys to values")
    values: dict[str, Any] = {key: raw[key] for key in _COPIED_KEYS if key in raw}
    present = set(values)
    for key in ("routes", "extra_advertise"):
        if key in raw:
            values[key] = _pairs(raw[key], where, key)
            present.add(key)
    values["mode"] = _default_mode(raw.get("mode"), raw.get("proxy_port") is not None, where)
    return ServiceNamespaceConfig(namespace=namespace, _present=frozenset(present), **values)


def _smartstack_dict(source: ServiceFiles | str | os.PathLike[str], service: str) -> tuple[Mapping[str, Any], str]:
    if isinstance(source, ServiceFiles):
        return source.smartstack, f"{source.soa_dir}/{service}/{SMARTSTACK_YAML}"
    path = service_dir(source, service) / SMARTSTACK_YAML
    return read_yaml_file(path), str(path)


def load_service_namespace_config(
    source: ServiceFiles | str | os.PathLike[str], service: str, namespace: str
) -> ServiceNamespaceConfig:
    """The smartstack config of ``service.namespace`` (an empty config when it is not in smartstack.yaml).

    ``source`` is either the service's already-read ServiceFiles or a soa dir to read smartstack.yaml from.
    """
    smartstack, path = _smartstack_dict(source, service)
    where = f"{path}, namespace {namespace!r}"
    return namespace_config_from_dict(namespace, smartstack.get(namespace) or {}, where)


def load_service_namespace_configs(
    source: ServiceFiles | str | os.PathLike[str], service: str
) -> list[ServiceNamespaceConfig]:
    """Every namespace of smartstack.yaml, in file order."""
    smartstack, path = _smartstack_dict(source, service)
    return [
        namespace_config_from_dict(name, raw or {}, f"{path}, namespace {name!r}") for name, raw in smartstack.items()
    ]
