"""Listing and reading the files of a soa-configs directory (no interpretation here).

Layout: ``<soa_dir>/<service>/{service,smartstack,monitoring,deploy}.yaml`` and one
``<instance_type>-<cluster>.yaml`` per instance type and cluster.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paasta_tools.config.yaml_files import read_yaml_file
from paasta_tools.errors import ConfigError, InvalidInstanceConfig, UnknownServiceError

INSTANCE_TYPES: tuple[str, ...] = ("marathon", "chronos", "adhoc")
# Upstream's discovery regex; paasta_native files still name clusters.
CLUSTER_FILE_RE = re.compile(r".*/(marathon|chronos|paasta_native|adhoc)-([0-9a-z-_]*)\.yaml$")
_CLUSTER_NAME_RE = re.compile(r"[0-9a-z-_]*")

SERVICE_YAML = "service.yaml"
SMARTSTACK_YAML = "smartstack.yaml"
MONITORING_YAML = "monitoring.yaml"
DEPLOY_YAML = "deploy.yaml"
DEFAULT_GIT_URL_FORMAT = "git@git.yelpcorp.com:services/{service}.git"


@dataclass(frozen=True)
class ServiceFiles:
    """The raw (parsed, unmerged) soa-configs files of one service.

    ``instance_files`` maps ``(instance_type, cluster)`` to the file's dict of
    instance name -> instance dict, in YAML order.
    """

    service: str
    soa_dir: str
    service_yaml: Mapping[str, Any] = field(default_factory=dict)
    smartstack: Mapping[str, Any] = field(default_factory=dict)
    monitoring: Mapping[str, Any] = field(default_factory=dict)
    deploy: Mapping[str, Any] = field(default_factory=dict)
    instance_files: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)

    def general_config(self) -> dict[str, Any]:
        """service.yaml plus ``monitoring``, ``deploy`` and ``smartstack`` (service.yaml keys win).

        This is the dict every instance config is merged over (upstream's
        ``read_service_configuration``).
        """
        general: dict[str, Any] = {
            "monitoring": dict(self.monitoring),
            "deploy": dict(self.deploy),
            "smartstack": dict(self.smartstack),
        }
        general.update(self.service_yaml)
        return general

    def get_git_url(self) -> str:
        """service.yaml ``git_url``, else upstream's default ``git@git.yelpcorp.com:services/<service>.git``."""
        return str(self.service_yaml.get("git_url") or DEFAULT_GIT_URL_FORMAT.format(service=self.service))

    def clusters(self, instance_type: str | None = None) -> list[str]:
        """Sorted clusters having an instance file (of ``instance_type`` if given)."""
        return sorted({c for (t, c) in self.instance_files if instance_type in (None, t)})

    def instances(self, instance_type: str, cluster: str) -> list[str]:
        """Instance names of one ``<instance_type>-<cluster>.yaml``, in YAML order."""
        return list(self.instance_files.get((instance_type, cluster), {}))


def _check_service_name(soa_dir: str | os.PathLike[str], service: str) -> None:
    if not isinstance(service, str) or not service:
        raise UnknownServiceError(f"Invalid service name {service!r}: it must not be empty (soa dir {soa_dir})")
    if "/" in service or "\\" in service or "\0" in service or service.startswith("."):
        raise UnknownServiceError(
            f"Invalid service name {service!r}: it must not contain '/' or start with '.' (soa dir {soa_dir})"
        )


def service_dir(soa_dir: str | os.PathLike[str], service: str) -> Path:
    """``<soa_dir>/<service>``, refusing names that could escape the soa dir."""
    _check_service_name(soa_dir, service)
    return Path(soa_dir) / service


def require_service_dir(soa_dir: str | os.PathLike[str], service: str) -> Path:
    """Like :func:`service_dir` but the directory must exist."""
    path = service_dir(soa_dir, service)
    if not path.is_dir():
        raise UnknownServiceError(f"Service {service!r} does not exist: no directory {path} in soa dir {soa_dir}")
    return path


def list_services(soa_dir: str | os.PathLike[str]) -> list[str]:
    """Sorted names of the service directories in ``soa_dir`` ([] when it does not exist)."""
    try:
        entries = list(os.scandir(soa_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise ConfigError(f"Cannot list the soa dir {soa_dir}: {exc.strerror}") from None
    return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())


def _cluster_files(directory: Path) -> list[tuple[str, str, Path]]:
    """(instance_type, cluster, path) of every ``<type>-<cluster>.yaml`` in ``directory``."""
    try:
        names = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = []
    for name in names:
        match = CLUSTER_FILE_RE.match(f"{directory}/{name}")
        if match:
            found.append((match.group(1), match.group(2), directory / name))
    return found


def list_clusters(
    soa_dir: str | os.PathLike[str], service: str | None = None, instance_type: str | None = None
) -> list[str]:
    """Sorted unique clusters that have an instance file (for one service, or for all)."""
    services = [service] if service is not None else list_services(soa_dir)
    clusters: set[str] = set()
    for name in services:
        for found_type, cluster, _ in _cluster_files(service_dir(soa_dir, name)):
            if instance_type is None or found_type == instance_type:
                clusters.add(cluster)
    return sorted(clusters)


def instance_file_path(soa_dir: str | os.PathLike[str], service: str, instance_type: str, cluster: str) -> Path:
    """Path of ``<soa_dir>/<service>/<instance_type>-<cluster>.yaml`` (cluster names as in CLUSTER_FILE_RE)."""
    if not isinstance(cluster, str) or not _CLUSTER_NAME_RE.fullmatch(cluster):
        raise ConfigError(f"Invalid cluster name {cluster!r}: only lowercase letters, digits, '-' and '_' are allowed")
    return service_dir(soa_dir, service) / f"{instance_type}-{cluster}.yaml"


def malformed_value_error(
    soa_dir: str | os.PathLike[str], service: str, instance_type: str, cluster: str, instance: str, exc: Exception
) -> InvalidInstanceConfig:
    """The error of an instance one of whose values (e.g. ``constraints: 5``) has a shape no getter
    expects; ``exc`` is what a getter raised (one of errors.MALFORMED_VALUE_ERRORS)."""
    path = instance_file_path(soa_dir, service, instance_type, cluster)
    return InvalidInstanceConfig(
        f"{path}: {instance}: a value has the wrong type or is out of range ({type(exc).__name__}: {exc}); "
        f"paasta validate -s {service} names it"
    )


def read_instance_file(soa_dir: str | os.PathLike[str], service: str, instance_type: str, cluster: str) -> dict:
    """The instances of one instance file; each value must be a mapping (ConfigError otherwise)."""
    path = instance_file_path(soa_dir, service, instance_type, cluster)
    data = read_yaml_file(path)
    for instance, value in data.items():
        if not isinstance(instance, str):
            raise ConfigError(f"{path}: instance name {instance!r} must be a string")
        if value is None:
            data[instance] = {}
        elif not isinstance(value, dict):
            raise ConfigError(f"{path}: instance {instance!r} must be a mapping of keys to values")
    return data


def read_instance_files(
    soa_dir: str | os.PathLike[str], service: str, cluster: str | None = None
) -> dict[tuple[str, str], dict]:
    """``{(instance_type, cluster): instances}`` of a service (one cluster if given), types in INSTANCE_TYPES order."""
    files = _cluster_files(service_dir(soa_dir, service))
    instance_files: dict[tuple[str, str], dict] = {}
    for instance_type in INSTANCE_TYPES:
        for found_type, found_cluster, _ in files:
            if found_type == instance_type and cluster in (None, found_cluster):
                instance_files[(instance_type, found_cluster)] = read_instance_file(
                    soa_dir, service, instance_type, found_cluster
                )
    return instance_files


def read_service_files(soa_dir: str | os.PathLike[str], service: str, cluster: str | None = None) -> ServiceFiles:
    """Read every soa-configs file of ``service`` (instance files of ``cluster`` only, if given)."""
    directory = service_dir(soa_dir, service)
    return ServiceFiles(
        service=service,
        soa_dir=str(soa_dir),
        service_yaml=read_yaml_file(directory / SERVICE_YAML),
        smartstack=read_yaml_file(directory / SMARTSTACK_YAML),
        monitoring=read_yaml_file(directory / MONITORING_YAML),
        deploy=read_yaml_file(directory / DEPLOY_YAML),
        instance_files=read_instance_files(soa_dir, service, cluster),
    )
