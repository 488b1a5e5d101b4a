"""Loading typed instance configs from a soa-configs directory.

Reading files is done once per service (:func:`read_service_files`); building configs
from the parsed files is pure (:func:`build_instance_config`).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Callable, Mapping
from typing import Any

from paasta_tools.config.adhoc_config import INTERACTIVE_INSTANCE, AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.merge import deep_merge
from paasta_tools.config.soa_dir import (
    INSTANCE_TYPES,
    ServiceFiles,
    list_clusters,
    list_services,
    read_instance_files,
    read_service_files,
    require_service_dir,
)
from paasta_tools.errors import ConfigError, NoConfigurationForServiceError, PaastaError
from paasta_tools.paths import DEFAULT_SOA_DIR

CONFIG_CLASSES: dict[str, type[InstanceConfig]] = {
    "marathon": MarathonServiceConfig,
    "chronos": ChronosJobConfig,
    "adhoc": AdhocJobConfig,
}


def build_instance_config(
    service_files: ServiceFiles,
    instance_type: str,
    cluster: str,
    instance: str,
    branch_dict: Mapping[str, Any] | None = None,
) -> InstanceConfig:
    """The typed config of one instance: its dict merged over the service-wide defaults."""
    if instance_type not in CONFIG_CLASSES:
        raise ConfigError(f"Unknown instance type {instance_type!r}; must be one of {', '.join(INSTANCE_TYPES)}")
    instance_dict = service_files.instance_files.get((instance_type, cluster), {}).get(instance) or {}
    return CONFIG_CLASSES[instance_type](
        service=service_files.service,
        cluster=cluster,
        instance=instance,
        config_dict=deep_merge(instance_dict, service_files.general_config()),
        branch_dict=dict(branch_dict) if branch_dict is not None else None,
        soa_dir=service_files.soa_dir,
    )


def find_instance_type(service_files: ServiceFiles, cluster: str, instance: str) -> str | None:
    """The first of INSTANCE_TYPES whose ``<type>-<cluster>.yaml`` has ``instance``, or None."""
    for instance_type in INSTANCE_TYPES:
        if instance in service_files.instance_files.get((instance_type, cluster), {}):
            return instance_type
    return None


def _not_configured(service_files: ServiceFiles, cluster: str, instance: str) -> NoConfigurationForServiceError:
    known = [i for t in INSTANCE_TYPES for i in service_files.instances(t, cluster)]
    message = (
        f"{service_files.service}.{instance} doesn't look like it has been configured to run on the {cluster} cluster."
    )
    suggestions = difflib.get_close_matches(instance, known, n=3)
    if suggestions:
        message += " Did you mean one of: " + ", ".join(f"{service_files.service}.{s}" for s in suggestions) + "?"
    elif not known:
        clusters = list_clusters(service_files.soa_dir, service_files.service)
        if clusters:
            message += f" {service_files.service} is configured on: {', '.join(clusters)}."
    return NoConfigurationForServiceError(message)


def _load_branch_dict(config: InstanceConfig, soa_dir: str) -> dict[str, Any]:
    from paasta_tools.deployments import load_deployments_json

    deployments = load_deployments_json(config.service, soa_dir)
    if config.instance_type == "adhoc":
        return deployments.get_branch_dict_v2(config.service, config.get_branch(), config.get_deploy_group())
    return deployments.get_branch_dict(config.service, config.get_branch())


def load_instance_config(
    service: str,
    instance: str,
    cluster: str,
    soa_dir: str | os.PathLike[str] = DEFAULT_SOA_DIR,
    load_deployments: bool = True,
    instance_type: str | None = None,
) -> InstanceConfig:
    """Load one instance's typed config, with its deployments.json entry when ``load_deployments``.

    Raises UnknownServiceError, NoConfigurationForServiceError (with did-you-mean suggestions),
    ConfigError for unreadable files and NoDeploymentsAvailable when deployments.json is missing.
    Adhoc instances read the v2 part of deployments.json, the others v1.
    """
    soa_dir = str(soa_dir)
    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service, cluster=cluster)
    found_type = find_instance_type(files, cluster, instance)
    if instance_type is not None and found_type != instance_type:
        in_file = instance in files.instance_files.get((instance_type, cluster), {})
        if not in_file and not (instance_type == "adhoc" and instance == INTERACTIVE_INSTANCE):
            raise _not_configured(files, cluster, instance)
        found_type = instance_type
    if found_type is None:
        raise _not_configured(files, cluster, instance)
    config = build_instance_config(files, found_type, cluster, instance)
    if not load_deployments:
        return config
    return dataclasses.replace(config, branch_dict=_load_branch_dict(config, soa_dir))


def instance_configs_from_files(
    service_files: ServiceFiles, cluster: str | None = None, instance_type: str | None = None
) -> list[InstanceConfig]:
    """Every instance config of the parsed files (clusters sorted, types in INSTANCE_TYPES order)."""
    configs = []
    for found_cluster in service_files.clusters():
        if cluster is not None and found_cluster != cluster:
            continue
        for found_type in INSTANCE_TYPES:
            if instance_type is not None and found_type != instance_type:
                continue
            for instance in service_files.instances(found_type, found_cluster):
                configs.append(build_instance_config(service_files, found_type, found_cluster, instance))
    return configs


def load_service_instance_configs(
    service: str,
    soa_dir: str | os.PathLike[str] = DEFAULT_SOA_DIR,
    cluster: str | None = None,
    instance_type: str | None = None,
) -> list[InstanceConfig]:
    """Every instance config of a service, without deployments (clusters sorted, yaml order)."""
    require_service_dir(soa_dir, service)
    files = read_service_files(soa_dir, service, cluster=cluster)
    return instance_configs_from_files(files, cluster, instance_type)


def list_all_instances_for_service(
    service: str,
    soa_dir: str | os.PathLike[str] = DEFAULT_SOA_DIR,
    cluster: str | None = None,
    instance_type: str | None = None,
) -> list[str]:
    """Unique instance names of a service over its clusters (sorted clusters, type order, yaml order)."""
    files = read_service_files(soa_dir, service, cluster=cluster)
    names: dict[str, None] = {}
    for found_cluster in files.clusters():
        for found_type in INSTANCE_TYPES:
            if instance_type in (None, found_type):
                names.update(dict.fromkeys(files.instances(found_type, found_cluster)))
    return list(names)


def _log_broken_service(service: str, error: PaastaError) -> None:
    import logging  # only needed when a service is broken; keeps the loader's import cheap

    logging.getLogger(__name__).warning("Skipping service %s: %s", service, error)


def list_all_instances_for_cluster(
    cluster: str,
    soa_dir: str | os.PathLike[str] = DEFAULT_SOA_DIR,
    instance_type: str | None = None,
    on_error: Callable[[str, PaastaError], None] = _log_broken_service,
) -> list[tuple[str, str]]:
    """``(service, instance)`` of every instance in ``cluster``: services sorted, then type order, yaml order.

    A service whose files cannot be read is reported to ``on_error`` and skipped.
    """
    found: list[tuple[str, str]] = []
    for service in list_services(soa_dir):
        try:
            instance_files = read_instance_files(soa_dir, service, cluster=cluster)
        except PaastaError as exc:
            on_error(service, exc)
            continue
        for found_type in INSTANCE_TYPES:
            if instance_type is None or found_type == instance_type:
                found.extend((service, instance) for instance in instance_files.get((found_type, cluster), {}))
    return found
