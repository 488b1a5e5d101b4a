"""Loading what a Marathon instance should be: its config, smartstack namespace and desired app dict.

Files and deployments.json are read once per service; building each instance's app dict is pure
(``format_marathon_app_dict``).  Problems are returned per instance, never raised for the batch:
one broken instance must not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from paasta_tools.config.loader import build_instance_config
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig, load_service_namespace_config
from paasta_tools.config.soa_dir import ServiceFiles, malformed_value_error, read_service_files
from paasta_tools.deployments import DeploymentsJson, load_deployments_json
from paasta_tools.errors import (
    MALFORMED_VALUE_ERRORS,
    NoConfigurationForServiceError,
    NoDeploymentsAvailable,
    PaastaError,
)
from paasta_tools.marathon.app_dict import AppSystemConfig, format_marathon_app_dict

AutoscaledLookup = Callable[[str, str], "int | None"]


def no_autoscaling(service: str, instance: str) -> None:
    """An autoscaled-count lookup for callers without ZooKeeper: instances use max_instances."""
    return None


@dataclass(frozen=True)
class InstanceTarget:
    """One instance and, unless ``error`` or ``skip`` is set, its desired app dict.

    ``skip`` explains why there is nothing to deploy yet (no deployments.json);
    ``error`` is the problem that stops this instance.
    """

    service: str
    instance: str
    config: MarathonServiceConfig | None = None
    service_files: ServiceFiles | None = None
    namespace: ServiceNamespaceConfig | None = None
    app_dict: dict[str, Any] | None = None
    error: PaastaError | None = None
    skip: str | None = None

    @property
    def name(self) -> str:
        return f"{self.service}.{self.instance}"


def _build_target(
    files: ServiceFiles,
    cluster: str,
    instance: str,
    deployments: DeploymentsJson,
    system: AppSystemConfig,
    autoscaled: AutoscaledLookup,
) -> InstanceTarget:
    service = files.service
    base = build_instance_config(files, "marathon", cluster, instance)
    branch_dict = deployments.get_branch_dict(service, base.get_branch())
    config = cast(MarathonServiceConfig, build_instance_config(files, "marathon", cluster, instance, branch_dict))
    namespace = load_service_namespace_config(files, service, config.get_nerve_namespace())
    count = autoscaled(service, instance) if config.get_max_instances() is not None else None
    app_dict = format_marathon_app_dict(config, system, namespace, autoscaled_instances=count)
    return InstanceTarget(service, instance, config, files, namespace, app_dict)


def _safe_build(
    files: ServiceFiles,
    cluster: str,
    instance: str,
    deployments: DeploymentsJson | PaastaError,
    system: AppSystemConfig,
    autoscaled: AutoscaledLookup,
) -> InstanceTarget:
    service = files.service
    if isinstance(deployments, NoDeploymentsAvailable):
        return InstanceTarget(service, instance, service_files=files, skip=str(deployments))
    if isinstance(deployments, PaastaError):
        return InstanceTarget(service, instance, service_files=files, error=deployments)
    try:
        return _build_target(files, cluster, instance, deployments, system, autoscaled)
    except PaastaError as exc:
        config = _config_or_none(files, cluster, instance)
        return InstanceTarget(service, instance, config=config, service_files=files, error=exc)
    except MALFORMED_VALUE_ERRORS as exc:
        error = malformed_value_error(files.soa_dir, service, "marathon", cluster, instance, exc)
        return InstanceTarget(service, instance, service_files=files, error=error)


def _config_or_none(files: ServiceFiles, cluster: str, instance: str) -> MarathonServiceConfig | None:
    try:
        config = build_instance_config(files, "marathon", cluster, instance)
    except (PaastaError, *MALFORMED_VALUE_ERRORS):
        return None
    return config if isinstance(config, MarathonServiceConfig) else None


def load_service_targets(
    service: str,
    soa_dir: str,
    cluster: str,
    system: AppSystemConfig,
    instances: Iterable[str] | None = None,
    autoscaled: AutoscaledLookup = no_autoscaling,
) -> list[InstanceTarget]:
    """Targets for the service's marathon instances in ``cluster`` (all of them, or ``instances``).

    A requested instance that is not in ``marathon-<cluster>.yaml`` gets a
    NoConfigurationForServiceError; unreadable files give every instance the same error.
    """
    try:
        files = read_service_files(soa_dir, service, cluster=cluster)
    except PaastaError as exc:
        return [InstanceTarget(service, instance, error=exc) for instance in instances or ["*"]]
    configured = files.instances("marathon", cluster)
    wanted = list(instances) if instances is not None else configured
    try:
        deployments: DeploymentsJson | PaastaError = load_deployments_json(service, soa_dir)
    except PaastaError as exc:
        deployments = exc
    targets = []
    for instance in wanted:
        if instance not in configured:
            error = NoConfigurationForServiceError(
                f"Could not read marathon configuration file for {service}.{instance} in cluster {cluster}: "
                f"no instance {instance!r} in {soa_dir}/{service}/marathon-{cluster}.yaml"
            )
            targets.append(InstanceTarget(service, instance, service_files=files, error=error))
            continue
        targets.append(_safe_build(files, cluster, instance, deployments, system, autoscaled))
    return targets
