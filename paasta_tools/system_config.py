"""The system config: every ``*.json`` under /etc/paasta (or $PAASTA_SYSTEM_CONFIG_DIR), deep-merged.

Files are read recursively in path order; later files win, nested dicts are merged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paasta_tools.config.merge import deep_merge
from paasta_tools.errors import PaastaNotConfiguredError
from paasta_tools.paths import system_config_dir

DEFAULT_DOCKERCFG_LOCATION = "file:///root/.dockercfg"
DEFAULT_SYNAPSE_HAPROXY_URL_FORMAT = "http://{host:s}:{port:d}/;csv;norefresh"
DEFAULT_CLUSTER_FQDN_FORMAT = "paasta-{cluster:s}.yelp"
DEFAULT_MESOS_CLI_CONFIG = "/nail/etc/mesos-cli.json"
_UNSET = object()


@dataclass(frozen=True)
class ClusterEndpoints:
    """Where the schedulers of one cluster answer."""

    cluster: str
    marathon_config: Mapping[str, Any] | None
    chronos_config: Mapping[str, Any] | None
    mesos_url: str | None


def _json_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.json") if p.is_file() and os.access(p, os.R_OK))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PaastaNotConfiguredError(f"{path}: not valid UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise PaastaNotConfiguredError(f"{path}: cannot read file: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PaastaNotConfiguredError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise PaastaNotConfiguredError(f"{path}: the top level must be a JSON object")
    return data


def load_system_paasta_config(path: str | os.PathLike[str] | None = None) -> SystemPaastaConfig:
    """Read and merge the system config directory (``path``, else :func:`system_config_dir`)."""
    directory = Path(path if path is not None else system_config_dir())
    if not directory.is_dir():
        raise PaastaNotConfiguredError(
            f"Could not find system paasta configuration directory: {directory} "
            "(set PAASTA_SYSTEM_CONFIG_DIR to use another one)"
        )
    if not os.access(directory, os.R_OK | os.X_OK):
        raise PaastaNotConfiguredError(f"Could not read from system paasta configuration directory: {directory}")
    merged: dict[str, Any] = {}
    for json_path in _json_files(directory):
        merged = deep_merge(_read_json(json_path), merged)
    return SystemPaastaConfig(config_dict=merged, directory=str(directory))


@dataclass(frozen=True)
class SystemPaastaConfig:
    """The merged system config with typed getters carrying upstream's defaults."""

    config_dict: Mapping[str, Any] = field(default_factory=dict)
    directory: str = "/etc/paasta"

    def get(self, key: str, default: Any = None) -> Any:
        return self.config_dict.get(key, default)

    def _required(self, key: str) -> Any:
        value = self.config_dict.get(key, _UNSET)
        if value is _UNSET:
            raise PaastaNotConfiguredError(f"Could not find {key} in configuration directory: {self.directory}")
        return value

    def get_cluster(self) -> str:
        return self._required("cluster")

    def get_zk_hosts(self) -> str:
        """``zookeeper`` without its ``zk://`` prefix (chroot kept), as kazoo wants it."""
        hosts = self._required("zookeeper")
        return hosts[len("zk://") :] if hosts.startswith("zk://") else hosts

    def get_docker_registry(self) -> str:
        return self._required("docker_registry")

    def get_volumes(self) -> list[dict[str, str]]:
        return list(self._required("volumes"))

    def get_marathon_config(self) -> dict[str, Any]:
        """``{url, user, password}``; ``url`` may be a string or a list."""
        return dict(self._required("marathon_config"))

    def get_chronos_config(self) -> dict[str, Any]:
        return dict(self._required("chronos_config"))

    def get_sensu_host(self) -> str | None:
        """Where Sensu events go (default localhost); null disables them."""
        return self.config_dict.get("sensu_host", "localhost")

    def get_sensu_port(self) -> int:
        return int(self.config_dict.get("sensu_port", 3030))

    def get_dockercfg_location(self) -> str:
        return self.config_dict.get("dockercfg_location", DEFAULT_DOCKERCFG_LOCATION)

    def get_synapse_port(self) -> int:
        return self.config_dict.get("synapse_port", 3212)

    def get_synapse_host(self) -> str:
        return self.config_dict.get("synapse_host", "localhost")

    def get_synapse_haproxy_url_format(self) -> str:
        return self.config_dict.get("synapse_haproxy_url_format", DEFAULT_SYNAPSE_HAPROXY_URL_FORMAT)

    def get_cluster_fqdn_format(self) -> str:
        return self.config_dict.get("cluster_fqdn_format", DEFAULT_CLUSTER_FQDN_FORMAT)

    def get_dashboard_links(self) -> dict[str, dict[str, str]]:
        """``{cluster: {label: url}}`` ({} when not configured)."""
        return dict(self.config_dict.get("dashboard_links") or {})

    def get_api_endpoints(self) -> dict[str, str]:
        return dict(self._required("api_endpoints"))

    def get_log_writer(self) -> dict[str, Any]:
        """``{driver, options}`` of the log writer."""
        return dict(self._required("log_writer"))

    def get_log_reader(self) -> dict[str, Any]:
        return dict(self._required("log_reader"))

    def get_local_run_config(self) -> dict[str, Any]:
        return dict(self.config_dict.get("local_run_config") or {})

    def get_expected_slave_attributes(self) -> list[dict[str, Any]] | None:
        return self.config_dict.get("expected_slave_attributes")

    def get_deploy_blacklist(self) -> list[list[str]]:
        return list(self.config_dict.get("deploy_blacklist") or [])

    def get_deploy_whitelist(self) -> list[Any] | None:
        return self.config_dict.get("deploy_whitelist")

    def get_fsm_template(self) -> str:
        default = Path(__file__).resolve().parent / "cli" / "fsm" / "template"
        return self.config_dict.get("fsm_template", str(default))

    def get_mesos_config(self) -> dict[str, Any]:
        """mesos-cli settings; default ``{'path': '/nail/etc/mesos-cli.json'}``."""
        return dict(self.config_dict.get("mesos_config") or {"path": DEFAULT_MESOS_CLI_CONFIG})

    def get_security_check_command(self) -> str | None:
        return self.config_dict.get("security_check_command")

    def get_paasta_native_config(self) -> dict[str, Any]:
        return dict(self.config_dict.get("paasta_native") or {})

    def get_deployd_number_workers(self) -> int:
        """How many paasta-deployd workers bounce instances at once (default 4)."""
        return int(self.config_dict.get("deployd_number_workers", 4))

    def get_deployd_big_bounce_rate(self) -> float:
        """Instances per minute paasta-deployd bounces when the system config changes them all (0.1)."""
        return float(self.config_dict.get("deployd_big_bounce_rate", 0.1))

    def get_deployd_startup_bounce_rate(self) -> float:
        """Instances per minute of paasta-deployd's full sweep over every instance (0.1)."""
        return float(self.config_dict.get("deployd_startup_bounce_rate", 0.1))

    def get_deployd_log_level(self) -> str:
        """A ``logging`` level name for paasta-deployd (INFO)."""
        return str(self.config_dict.get("deployd_log_level", "INFO"))

    def get_deployd_worker_failure_backoff_factor(self) -> int:
        """Seconds multiplied by 2**failures before a failed instance is retried (30)."""
        return int(self.config_dict.get("deployd_worker_failure_backoff_factor", 30))

    def get_deployd_maintenance_polling_frequency(self) -> int:
        """Seconds between paasta-deployd's looks at Mesos maintenance (30)."""
        return int(self.config_dict.get("deployd_maintenance_polling_frequency", 30))

    def get_deployd_startup_oracle_enabled(self) -> bool:
        """Whether paasta-deployd bounces at once, on start, the instances Marathon shows need it (true)."""
        return bool(self.config_dict.get("deployd_startup_oracle_enabled", True))

    def get_disabled_watchers(self) -> list[str]:
        """Names of paasta-deployd watchers not to run (e.g. ``PublicConfigFileWatcher``)."""
        return list(self.config_dict.get("disabled_watchers") or [])

    def get_cluster_endpoints(self, cluster: str) -> ClusterEndpoints:
        """Scheduler endpoints of ``cluster`` from ``clusters: {<name>: {...}}``.

        The local cluster falls back to the top-level marathon_config/chronos_config/mesos_url.
        """
        clusters = self.config_dict.get("clusters") or {}
        if cluster in clusters:
            entry = clusters[cluster] or {}
            return ClusterEndpoints(
                cluster, entry.get("marathon_config"), entry.get("chronos_config"), entry.get("mesos_url")
            )
        if cluster == self.config_dict.get("cluster"):
            return ClusterEndpoints(
                cluster,
                self.config_dict.get("marathon_config"),
                self.config_dict.get("chronos_config"),
                self.config_dict.get("mesos_url"),
            )
        raise PaastaNotConfiguredError(
            f"Could not find clusters.{cluster} in configuration directory: {self.directory} "
            f"(known clusters: {', '.join(sorted(clusters)) or 'none'})"
        )
