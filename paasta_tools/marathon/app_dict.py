"""The Marathon app of an instance, as upstream's snake_case dict, and its POST body.

``format_marathon_app_dict`` gives exactly the dict upstream 0.65 builds
(keys, values, float resources, docker parameters with the labels last) and
its id ``<service>.<instance>.git<sha8>.config<hash8>``.  The config hash is
computed on this snake_case dict; ``marathon_app_body`` turns it into the
camelCase JSON that marathon-python POSTs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.config.instance_config import MESOS_NETWORKS
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig
from paasta_tools.errors import InvalidInstanceConfig
from paasta_tools.marathon.config_hash import app_config_hash
from paasta_tools.marathon.healthchecks import get_healthchecks
from paasta_tools.marathon.job_id import code_sha_from_docker_url, format_job_id
from paasta_tools.system_config import DEFAULT_DOCKERCFG_LOCATION

CONTAINER_PORT = 8888


@dataclass(frozen=True)
class AppSystemConfig:
    """The system-wide values (/etc/paasta) an app dict depends on, as plain data."""

    docker_registry: str
    volumes: Sequence[Mapping[str, str]] = ()
    dockercfg_location: str = DEFAULT_DOCKERCFG_LOCATION
    expected_slave_attributes: Sequence[Mapping[str, Any]] | None = None
    deploy_blacklist: Sequence[Sequence[str]] = ()
    deploy_whitelist: Sequence[Any] | None = None


def app_system_config_from(system_config: Any) -> AppSystemConfig:
    """The app-dict values of a loaded SystemPaastaConfig (docker_registry and volumes are required)."""
    return AppSystemConfig(
        docker_registry=system_config.get_docker_registry(),
        volumes=tuple(system_config.get_volumes()),
        dockercfg_location=system_config.get_dockercfg_location(),
        expected_slave_attributes=system_config.get_expected_slave_attributes(),
        deploy_blacklist=tuple(system_config.get_deploy_blacklist()),
        deploy_whitelist=system_config.get_deploy_whitelist(),
    )


def mesos_network(config: MarathonServiceConfig) -> str:
    """``net`` (bridge/host/none) as Marathon's docker network name."""
    net = config.get_net()
    try:
        return MESOS_NETWORKS[net]
    except (KeyError, TypeError):
        raise InvalidInstanceConfig(
            f"marathon-{config.cluster}.yaml, instance {config.instance!r}, key 'net': "
            f"{net!r} is not one of {', '.join(MESOS_NETWORKS)}"
        ) from None


def _container(config: MarathonServiceConfig, system: AppSystemConfig, docker_url: str, net: str) -> dict[str, Any]:
    docker: dict[str, Any] = {"image": docker_url, "network": net, "parameters": config.format_docker_parameters()}
    if net == "BRIDGE":
        docker["portMappings"] = [
            {"containerPort": CONTAINER_PORT, "hostPort": config.get_host_port(), "protocol": "tcp"}
        ]
    return {"docker": docker, "type": "DOCKER", "volumes": config.get_volumes(system.volumes)}


def _constraints(
    config: MarathonServiceConfig, system: AppSystemConfig, service_namespace: ServiceNamespaceConfig
) -> list[list[str]]:
    return config.get_marathon_constraints(
        service_namespace,
        expected_slave_attributes=system.expected_slave_attributes,
        system_deploy_blacklist=system.deploy_blacklist,
        system_deploy_whitelist=system.deploy_whitelist,
    )


def format_marathon_app_dict(
    config: MarathonServiceConfig,
    system: AppSystemConfig,
    service_namespace: ServiceNamespaceConfig,
    autoscaled_instances: int | None = None,
) -> dict[str, Any]:
    """The complete snake_case app dict, ``id`` included (see the module docstring).

    ``service_namespace`` is the smartstack config of the instance's nerve
    namespace (``config.get_nerve_namespace()``, its first registration), read
    from the soa dir the caller was given.  ``autoscaled_instances`` is the
    ZooKeeper autoscaling count (read by the caller) for instances with
    ``max_instances``.  Building twice gives equal dicts.
    """
    docker_url = config.get_docker_url(system.docker_registry)
    net = mesos_network(config)
    app: dict[str, Any] = {
        "container": _container(config, system, docker_url, net),
        "uris": [system.dockercfg_location],
        "backoff_seconds": config.get_backoff_seconds(),
        "backoff_factor": config.get_backoff_factor(),
        "max_launch_delay_seconds": config.get_max_launch_delay_seconds(),
        "health_checks": get_healthchecks(config, service_namespace),
        "env": config.get_env(),
        "mem": float(config.get_mem()),
        "cpus": float(config.get_cpus()),
        "disk": float(config.get_disk()),
        "constraints": _constraints(config, system, service_namespace),
        "instances": config.get_desired_instances(autoscaled_instances),
        "cmd": config.get_cmd(),
        "args": config.get_args(),
    }
    if net != "BRIDGE":
        host_port = config.get_host_port()
        app["port_definitions"] = [{"port": host_port, "protocol": "tcp"}]
        # without it two tasks could ask for the same fixed port on one agent
        app["require_ports"] = host_port != 0
    roles = config.get_accepted_resource_roles()
    if roles is not None:
        app["accepted_resource_roles"] = roles
    config_hash = app_config_hash(app, force_bounce=config.get_force_bounce())
    app["id"] = format_job_id(config.service, config.instance, code_sha_from_docker_url(docker_url), config_hash)
    return app


_TOP_LEVEL_CAMEL = {
    "backoff_seconds": "backoffSeconds",
    "backoff_factor": "backoffFactor",
    "max_launch_delay_seconds": "maxLaunchDelaySeconds",
    "health_checks": "healthChecks",
    "port_definitions": "portDefinitions",
    "require_ports": "requirePorts",
    "accepted_resource_roles": "acceptedResourceRoles",
}


def _minimal(value: Any) -> bool:
    """marathon-python's minimal encoding keeps False and 0 but drops None and empty values."""
    return bool(value) or value is False or value == 0


def _prune(model: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in model.items() if _minimal(v)}


def _container_body(container: Mapping[str, Any]) -> dict[str, Any]:
    body = _prune(container)
    if "docker" in body:
        # marathon-python's docker model always carries these two booleans
        docker = {"forcePullImage": False, "privileged": False, **body["docker"]}
        if "portMappings" in docker:
            docker["portMappings"] = [_prune(m) for m in docker["portMappings"]]
        body["docker"] = _prune(docker)
    if "volumes" in body:
        body["volumes"] = [_prune(v) for v in body["volumes"]]
    return body


def marathon_app_body(app_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The camelCase JSON body POSTed to ``/v2/apps`` for a snake_case app dict.

    The same document as marathon-python's ``MarathonApp(**app_dict).to_json(minimal=True)``:
    keys camelCased, None/empty values of the app and its models dropped (plain
    dicts such as ``env`` are kept whole), docker's privileged/forcePullImage added.
    """
    body = {_TOP_LEVEL_CAMEL.get(k, k): v for k, v in _prune(app_dict).items()}
    if "container" in body:
        body["container"] = _container_body(body["container"])
    for key in ("healthChecks", "portDefinitions"):
        if key in body:
            body[key] = [_prune(item) for item in body[key]]
    return body
