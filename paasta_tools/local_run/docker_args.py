"""The ``docker run`` of a local-run: one plan, rendered as upstream's argument list or as docker SDK kwargs.

:class:`DockerRunPlan` holds upstream's ``get_docker_run_cmd`` keyword arguments (printed by
``--dry-run --json-dict``); :func:`docker_run_args` renders the ``docker run`` argument list printed by
``--dry-run`` and :func:`docker_sdk_kwargs` the ``containers.create`` arguments the runner uses, so what
is shown is what runs.  Published ports are bound to 127.0.0.1 only.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from paasta_tools.chronos.interpolation import parse_time_variables
from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.errors import InvalidInstanceConfig
from paasta_tools.local_run.env import CONTAINER_PORT

DOCKER_WRAPPER = "paasta_docker_wrapper"
PUBLISH_HOST = "127.0.0.1"
INTERACTIVE_DEFAULT_COMMAND = "bash"
MIN_CPU_SHARES = 2  # the smallest value the kernel's cpu.shares accepts; Mesos clamps to it too
CPU_SHARES_PER_CPU = 1024

Command = str | list[str] | None


@dataclass(frozen=True)
class DockerRunPlan:
    """Everything ``docker run`` needs; field names are upstream's ``get_docker_run_cmd`` kwargs."""

    memory: float
    chosen_port: int
    container_name: str
    volumes: list[str]
    env: dict[str, str]
    interactive: bool
    docker_hash: str
    command: Command
    net: str
    docker_params: list[dict[str, str]]
    detach: bool
    cpus: float = 0.25
    tty: bool = False

    def as_json_dict(self) -> dict[str, Any]:
        """Upstream's kwargs dict (what ``--dry-run --json-dict`` prints)."""
        data = asdict(self)
        for key in ("cpus", "tty"):
            data.pop(key)
        return data


def container_name(user: str, suffix: int) -> str:
    """``paasta_local_run_<user>_<suffix>``; upstream draws the suffix from 1..999999."""
    return f"paasta_local_run_{user}_{suffix}"


def format_volumes(volumes: Sequence[Mapping[str, str]]) -> list[str]:
    """``<hostPath>:<containerPath>:<mode lowercased>`` for each volume dict."""
    formatted = []
    for volume in volumes:
        try:
            formatted.append(f"{volume['hostPath']}:{volume['containerPath']}:{str(volume['mode']).lower()}")
        except KeyError as exc:
            raise InvalidInstanceConfig(
                f"volume {dict(volume)!r} lacks {exc.args[0]!r} (volumes need hostPath, containerPath and mode)"
            ) from None
    return formatted


def resolve_command(config: InstanceConfig, cmd_flag: str | None, interactive: bool, now: datetime.datetime) -> Command:
    """The container command: ``-C`` wins; interactive defaults to bash; else the config's cmd or args.

    A Chronos cmd has its time variables interpolated at ``now``, as Chronos would run it.
    """
    if cmd_flag:
        return cmd_flag
    if interactive:
        return INTERACTIVE_DEFAULT_COMMAND
    cmd = config.get_cmd()
    if cmd:
        if config.instance_type == "chronos":
            return parse_time_variables(cmd, now)
        return cmd
    return config.get_args() or None


def cpu_shares(cpus: float) -> int:
    """``--cpu-shares`` as Mesos sets it: 1024 per cpu, at least 2."""
    return max(MIN_CPU_SHARES, int(cpus * CPU_SHARES_PER_CPU))


def docker_run_args(plan: DockerRunPlan) -> list[str]:
    """The ``docker run`` argument list, in upstream's order (env, memory, parameters, net, name, volumes)."""
    args = [DOCKER_WRAPPER, "run"]
    args.extend(f"--env={key}={value}" for key, value in plan.env.items())
    args.append(f"--memory={int(plan.memory)}m")
    args.append(f"--cpu-shares={cpu_shares(plan.cpus)}")
    args.extend(f"--{param['key']}={param['value']}" for param in plan.docker_params)
    if plan.net == "bridge":
        args.append(f"--publish={PUBLISH_HOST}:{plan.chosen_port}:{CONTAINER_PORT}")
    else:
        args.append(f"--net={plan.net}")
    args.append(f"--name={plan.container_name}")
    args.extend(f"--volume={volume}" for volume in plan.volumes)
    if plan.interactive:
        args.append("--interactive=true")
        if plan.tty:
            args.append("--tty=true")
    elif plan.detach:
        args.append("--detach=true")
    args.append(plan.docker_hash)
    args.extend(command_argv(plan.command))
    return args


def command_argv(command: Command) -> list[str]:
    """A string command runs through ``sh -c``; a list is passed as is."""
    if not command:
        return []
    if isinstance(command, str):
        return ["sh", "-c", command]
    return list(command)


def _int_param(key: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInstanceConfig(f"docker parameter {key}: {value!r} is not an integer") from None


def _ulimit(value: str) -> dict[str, Any]:
    name, sep, limits = value.partition("=")
    soft, _, hard = limits.partition(":")
    if not sep or not name or not soft:
        raise InvalidInstanceConfig(f"docker parameter ulimit: {value!r} is not name=soft[:hard]")
    soft_value = _int_param("ulimit", soft)
    return {"name": name, "soft": soft_value, "hard": _int_param("ulimit", hard) if hard else soft_value}


def _apply_param(kwargs: dict[str, Any], key: str, value: str) -> None:
    if key == "memory-swap":
        kwargs["memswap_limit"] = value
    elif key in ("cpu-period", "cpu-quota"):
        kwargs[key.replace("-", "_")] = _int_param(key, value)
    elif key == "ulimit":
        kwargs.setdefault("ulimits", []).append(_ulimit(value))
    elif key == "cap-add":
        kwargs.setdefault("cap_add", []).append(value)
    elif key == "label":
        name, _, label = value.partition("=")
        kwargs["labels"][name] = label
    else:
        raise InvalidInstanceConfig(f"docker parameter {key!r} is not one local-run knows how to pass to docker")


def docker_sdk_kwargs(plan: DockerRunPlan) -> dict[str, Any]:
    """``DockerClient.containers.create`` kwargs equivalent to :func:`docker_run_args` (JSON-serialisable).

    No restart policy and not privileged, as on Mesos; the container is removed by the runner.
    """
    kwargs: dict[str, Any] = {
        "image": plan.docker_hash,
        "name": plan.container_name,
        "environment": dict(plan.env),
        "mem_limit": f"{int(plan.memory)}m",
        "cpu_shares": cpu_shares(plan.cpus),
        "labels": {},
        "volumes": list(plan.volumes),
        "privileged": False,
        "detach": True,
        "stdin_open": plan.interactive,
        "tty": plan.interactive and plan.tty,
    }
    command = command_argv(plan.command)
    if command:
        kwargs["command"] = command
    for param in plan.docker_params:
        _apply_param(kwargs, param["key"], param["value"])
    if plan.net == "bridge":
        kwargs["ports"] = {f"{CONTAINER_PORT}/tcp": (PUBLISH_HOST, plan.chosen_port)}
        kwargs["network_mode"] = "bridge"
    else:
        kwargs["network_mode"] = plan.net
    return kwargs


def build_plan(
    config: InstanceConfig,
    *,
    docker_hash: str,
    env: dict[str, str],
    volumes: list[str],
    command: Command,
    chosen_port: int,
    name: str,
    interactive: bool,
    tty: bool,
) -> DockerRunPlan:
    """The plan of one run: resources and docker parameters from the instance, the rest given."""
    return DockerRunPlan(
        memory=config.get_mem(),
        chosen_port=chosen_port,
        container_name=name,
        volumes=volumes,
        env=env,
        interactive=interactive,
        docker_hash=docker_hash,
        command=command,
        net=config.get_net(),
        docker_params=config.format_docker_parameters(),
        detach=not interactive,
        cpus=config.get_cpus(),
        tty=tty,
    )
