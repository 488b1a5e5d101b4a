"""The complete Chronos job of a chronos instance, as upstream 0.65 builds it (``create_complete_config``).

Resources keep their YAML types, ``command`` is interpolated at build time (``now``, local time), ``disabled``
folds in deployments.json's desired_state, and ``description`` is ``config<md5[:8]>`` over the whole job dict
(docker labels included) plus force_bounce, so ``command`` and ``description`` are the only fields that move
with the clock.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.chronos.interpolation import check_command, parse_time_variables
from paasta_tools.chronos.job_name import compose_job_id, paasta_to_chronos_job_name
from paasta_tools.chronos.schedule import (
    check_job_kind,
    check_parents,
    check_schedule,
    check_time_zone,
    parse_period,
)
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.instance_config import MESOS_NETWORKS
from paasta_tools.config.monitoring import get_team
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.errors import InvalidChronosConfigError, InvalidInstanceConfig
from paasta_tools.marathon.config_hash import get_config_hash
from paasta_tools.system_config import DEFAULT_DOCKERCFG_LOCATION


@dataclass(frozen=True)
class JobSystemConfig:
    """The system-wide values (/etc/paasta) a Chronos job depends on, as plain data."""

    docker_registry: str
    volumes: Sequence[Mapping[str, str]] = ()
    dockercfg_location: str = DEFAULT_DOCKERCFG_LOCATION
    deploy_blacklist: Sequence[Sequence[str]] = ()
    deploy_whitelist: Sequence[Any] | None = None


def job_system_config_from(system_config: Any) -> JobSystemConfig:
    """Pick the job-dict values out of a loaded system config (its upstream-named getters)."""

    def _get(name: str, default: Any) -> Any:
        getter = getattr(system_config, f"get_{name}", None)
        return getter() if getter is not None else default

    return JobSystemConfig(
        docker_registry=system_config.get_docker_registry(),
        volumes=tuple(_get("volumes", ()) or ()),
        dockercfg_location=_get("dockercfg_location", DEFAULT_DOCKERCFG_LOCATION),
        deploy_blacklist=tuple(_get("deploy_blacklist", ()) or ()),
        deploy_whitelist=_get("deploy_whitelist", None),
    )


def _where(config: ChronosJobConfig) -> str:
    return f"{config.instance_type}-{config.cluster}.yaml, instance {config.instance!r}"


def _number_problems(config: ChronosJobConfig) -> list[str]:
    problems = []
    checks = (
        ("cpus", config.get_cpus, (int, float), "a number", "cpus: 1"),
        ("mem", config.get_mem, (int, float), "a number", "mem: 1024"),
        ("disk", config.get_disk, (int, float), "a number", "disk: 1024"),
        ("retries", config.get_retries, (int,), "an integer", "retries: 2"),
    )
    for key, getter, types, what, example in checks:
        try:
            value = getter()
        except InvalidInstanceConfig as exc:
            problems.append(f"{exc}; write e.g. {example}")
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            problems.append(f"key '{key}': {value!r} is not {what}; write e.g. {example}")
    return problems


def _schedule_problems(config: ChronosJobConfig) -> list[str]:
    schedule, parents = config.get_schedule(), config.get_parents()
    kind = check_job_kind(schedule, parents)
    if kind:
        return [kind]
    if schedule is not None:
        time_zone = config.get_schedule_time_zone()
        tz_message = check_time_zone(time_zone) if time_zone is not None else None
        problems = [f"key 'schedule_time_zone': {tz_message}"] if tz_message else []
        return problems + [f"key 'schedule': {m}" for m in check_schedule(schedule, None)]
    own_name = f"{config.service}.{config.instance}"
    return [f"key 'parents': {m}" for m in check_parents(parents or [], own_name=own_name)]


def validate_job_config(config: ChronosJobConfig) -> list[str]:
    """Problems that stop ``config`` from becoming a Chronos job, each naming the file, instance and key."""
    problems = _number_problems(config)
    try:
        problems += _schedule_problems(config)
    except InvalidInstanceConfig as exc:
        problems.append(str(exc))
    try:
        config.get_args()
    except InvalidInstanceConfig as exc:
        problems.append(str(exc))
    epsilon = config.get_epsilon()
    try:
        parse_period(str(epsilon))
    except InvalidChronosConfigError as exc:
        problems.append(f"key 'epsilon': {exc}")
    cmd = config.get_cmd()
    if cmd is not None:
        message = check_command(cmd) if isinstance(cmd, str) else f"{cmd!r} is not a string"
        if message:
            problems.append(f"key 'cmd': {message}")
    return [f"{_where(config)}, {p}" if not p.startswith(f"{config.instance_type}-") else p for p in problems]


def _mesos_network(config: ChronosJobConfig) -> str:
    net = config.get_net()
    if net not in MESOS_NETWORKS:
        raise InvalidChronosConfigError(f"{_where(config)}, key 'net': {net!r} is not one of bridge, host, none")
    return MESOS_NETWORKS[net]


def _constraints(config: ChronosJobConfig, system: JobSystemConfig) -> list[list[str]]:
    return config.get_calculated_constraints(
        system_deploy_blacklist=system.deploy_blacklist,
        system_deploy_whitelist=system.deploy_whitelist,
    )


def _job_body(config: ChronosJobConfig, system: JobSystemConfig, owner: str | None, now: datetime.datetime) -> dict:
    cmd = config.get_cmd()
    return {
        "name": compose_job_id(config.service, config.instance),
        "container": {
            "image": config.get_docker_url(system.docker_registry),
            "network": _mesos_network(config),
            "type": "DOCKER",
            "volumes": config.get_volumes(system.volumes),
            "parameters": config.format_docker_parameters(),
        },
        "uris": [system.dockercfg_location],
        "environmentVariables": [{"name": k, "value": v} for k, v in config.get_env().items()],
        "mem": config.get_mem(),
        "cpus": config.get_cpus(),
        "disk": config.get_disk(),
        "constraints": _constraints(config, system),
        "command": parse_time_variables(cmd, now) if cmd else cmd,
        "arguments": config.get_args(),
        "epsilon": config.get_epsilon(),
        "retries": config.get_retries(),
        "async": False,
        # paasta start can never override `disabled: true`; paasta stop always disables.
        "disabled": config.is_disabled(),
        "owner": owner,
        "scheduleTimeZone": config.get_schedule_time_zone(),
        "shell": config.get_shell(),
    }


def format_chronos_job_dict(
    config: ChronosJobConfig, system: JobSystemConfig, owner: str | None, now: datetime.datetime
) -> dict[str, Any]:
    """The complete job dict to send to Chronos, ``description`` (the config hash) included.

    ``owner`` is the monitoring team of the instance; ``now`` (naive local time) is when the
    command's time variables are interpolated.  Raises InvalidChronosConfigError listing every
    problem of the config, NoDockerImageError when deployments.json has no image.
    """
    problems = validate_job_config(config)
    if problems:
        raise InvalidChronosConfigError("\n".join(problems))
    job = _job_body(config, system, owner, now)
    schedule = config.get_schedule()
    if schedule is not None:
        job["schedule"] = schedule
    else:
        job["parents"] = [paasta_to_chronos_job_name(parent) for parent in config.get_parents() or []]
    job["description"] = get_config_hash(job, force_bounce=config.get_force_bounce())
    return job


def get_owner(config: ChronosJobConfig, service_files: ServiceFiles) -> str | None:
    """Chronos ``owner``: the instance's monitoring team (instance overrides, then monitoring.yaml)."""
    return get_team(service_files, config.get_monitoring())
