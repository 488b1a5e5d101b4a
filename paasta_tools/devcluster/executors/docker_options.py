"""TaskSpec → docker SDK ``containers.create`` keyword arguments, as Mesos' docker containerizer builds them.

Pure: no engine is contacted.  Mesos passes each Marathon ``parameters`` entry to ``docker run`` as
``--<key>=<value>``; the keys below are the ``docker run`` options PaaSTA and its users send.
"""

from __future__ import annotations

import re
from typing import Any

from paasta_tools.devcluster.executors.base import LaunchError, TaskSpec

LABEL_DEVCLUSTER = "paasta.devcluster.dir"
LABEL_TASK_ID = "paasta.devcluster.task_id"
LABEL_FRAMEWORK = "paasta.devcluster.framework"
SANDBOX_MOUNT = "/mnt/mesos/sandbox"
MIN_MEMORY_MB = 6  # the smallest limit dockerd accepts

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str, key: str) -> int:
    """``"2048m"`` → bytes, as docker's units parser reads ``--memory``; ``-1`` stays -1 (unlimited)."""
    if text.strip() == "-1":
        return -1
    match = _SIZE.match(text)
    if not match:
        raise LaunchError(f"docker parameter {key}: invalid size {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _int(text: str, key: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise LaunchError(f"docker parameter {key}: {text!r} is not an integer") from None


def parse_ulimit(text: str) -> dict[str, Any]:
    """``"nofile=1024:2048"`` (or ``"nofile=1024"``) → the engine's ``{"Name", "Soft", "Hard"}``."""
    name, sep, limits = text.partition("=")
    soft, _, hard = limits.partition(":")
    if not sep or not name or not soft:
        raise LaunchError(f"docker parameter ulimit: invalid value {text!r} (expected name=soft[:hard])")
    soft_value = _int(soft, "ulimit")
    return {"Name": name, "Soft": soft_value, "Hard": _int(hard, "ulimit") if hard else soft_value}


def _key_value(text: str, key: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not name:
        raise LaunchError(f"docker parameter {key}: invalid value {text!r} (expected name=value)")
    return name, value if sep else ""


def _apply_parameter(options: dict[str, Any], key: str, value: str) -> None:  # noqa: C901 (one flat table)
    if key in ("memory", "m"):
        options["mem_limit"] = parse_size(value, key)
    elif key == "memory-swap":
        options["memswap_limit"] = parse_size(value, key)
    elif key == "memory-reservation":
        options["mem_reservation"] = parse_size(value, key)
    elif key == "shm-size":
        options["shm_size"] = parse_size(value, key)
    elif key in ("cpu-period", "cpu-quota", "cpu-shares", "pids-limit", "oom-score-adj"):
        options[key.replace("-", "_")] = _int(value, key)
    elif key == "ulimit":
        options.setdefault("ulimits", []).append(parse_ulimit(value))
    elif key in ("cap-add", "cap-drop", "security-opt", "dns", "group-add"):
        options.setdefault(key.replace("-", "_"), []).append(value)
    elif key in ("label", "l"):
        name, label = _key_value(value, key)
        options["labels"][name] = label
    elif key in ("env", "e"):
        name, env_value = _key_value(value, key)
        options["environment"][name] = env_value
    elif key == "add-host":
        host, _, address = value.partition(":")
        options.setdefault("extra_hosts", {})[host] = address
    elif key == "sysctl":
        name, sysctl = _key_value(value, key)
        options.setdefault("sysctls", {})[name] = sysctl
    elif key == "tmpfs":
        path, _, mount_options = value.partition(":")
        options.setdefault("tmpfs", {})[path] = mount_options
    elif key in ("hostname", "user", "workdir", "entrypoint"):
        options[{"workdir": "working_dir"}.get(key, key)] = value
    elif key in ("init", "read-only", "oom-kill-disable", "privileged"):
        options[key.replace("-", "_")] = value.strip().lower() not in ("false", "0")
    else:
        raise LaunchError(f"unsupported docker parameter {key!r} (docker run has no --{key} option here)")


def _ports(spec: TaskSpec, network: str) -> dict[str, Any]:
    if network != "BRIDGE":
        return {}
    published: dict[str, Any] = {}
    for mapping in spec.port_mappings:
        for protocol in (mapping.protocol or "tcp").split(","):
            published[f"{mapping.container_port}/{protocol.strip()}"] = ("127.0.0.1", mapping.host_port)
    return published


def _command(spec: TaskSpec) -> dict[str, Any]:
    # Mesos runs a shell command as `--entrypoint /bin/sh <image> -c <cmd>`; args keep the image's entrypoint.
    if spec.shell and spec.cmd:
        return {"entrypoint": ["/bin/sh", "-c"], "command": [spec.cmd]}
    if spec.args:
        return {"command": ([spec.cmd] if spec.cmd else []) + list(spec.args)}
    if spec.cmd:
        return {"command": [spec.cmd]}
    return {}


def container_options(spec: TaskSpec, name: str, devcluster_id: str, sandbox: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ``docker.containers.create`` running ``spec`` as container ``name``."""
    if spec.docker is None:
        raise LaunchError(f"task {spec.task_id} has no docker container")
    network = (spec.docker.network or "BRIDGE").upper()
    environment = dict(spec.env)
    environment.setdefault("MESOS_SANDBOX", SANDBOX_MOUNT)
    environment.setdefault("MESOS_CONTAINER_NAME", name)
    labels = dict(spec.labels)
    labels.update({LABEL_DEVCLUSTER: devcluster_id, LABEL_TASK_ID: spec.task_id, LABEL_FRAMEWORK: spec.framework})
    volumes = {
        volume.host_path: {"bind": volume.container_path, "mode": "rw" if volume.mode.upper() == "RW" else "ro"}
        for volume in spec.volumes
    }
    if sandbox is not None:
        volumes[sandbox] = {"bind": SANDBOX_MOUNT, "mode": "rw"}
    options: dict[str, Any] = {
        "image": spec.docker.image,
        "name": name,
        "detach": True,
        "environment": environment,
        "labels": labels,
        "volumes": volumes,
        "mem_limit": int(max(spec.mem, MIN_MEMORY_MB) * 1024 * 1024),
        "cpu_shares": max(int(spec.cpus * 1024), 2),
        "privileged": spec.docker.privileged,
        "network_mode": {"BRIDGE": "bridge", "HOST": "host", "NONE": "none"}.get(network, network.lower()),
        **_command(spec),
    }
    ports = _ports(spec, network)
    if ports:
        options["ports"] = ports
    for key, value in spec.docker.parameters:
        _apply_parameter(options, key.strip().lstrip("-"), str(value))
    # Mesos pins the label the framework keeps track of; parameters cannot override it.
    options["labels"].update({LABEL_DEVCLUSTER: devcluster_id, LABEL_TASK_ID: spec.task_id})
    return options
