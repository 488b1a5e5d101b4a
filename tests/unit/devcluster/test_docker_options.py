"""TaskSpec → docker create options, as Mesos' docker containerizer maps a Marathon app."""

from __future__ import annotations

import pytest

from paasta_tools.devcluster.executors.base import LaunchError, Volume
from paasta_tools.devcluster.executors.docker_options import (
    LABEL_DEVCLUSTER,
    LABEL_TASK_ID,
    container_options,
    parse_size,
    parse_ulimit,
)
from tests.support.tasks import make_spec

PAASTA_PARAMETERS = (
    ("memory-swap", "1025m"),
    ("cpu-period", "100000"),
    ("cpu-quota", "25000"),
    ("ulimit", "nofile=1024:2048"),
    ("cap-add", "NET_ADMIN"),
    ("label", "paasta_service=svc"),
    ("label", "paasta_instance=main"),
)


def options(**kwargs):
    spec = make_spec(kwargs.pop("cmd", "run.sh"), image="registry/svc:tag", **kwargs)
    return spec, container_options(spec, "mesos-S0.abc", "/data")


def test_paasta_app_parameters_map_to_docker_run_options() -> None:
    spec, opts = options(
        parameters=PAASTA_PARAMETERS, mem=1024, cpus=0.25, host_ports=(31001,), container_ports=(8888,)
    )
    assert opts["image"] == "registry/svc:tag"
    assert opts["name"] == "mesos-S0.abc"
    assert opts["mem_limit"] == 1024 * 1024 * 1024
    assert opts["memswap_limit"] == 1025 * 1024 * 1024
    assert (opts["cpu_period"], opts["cpu_quota"], opts["cpu_shares"]) == (100000, 25000, 256)
    assert opts["ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]
    assert opts["cap_add"] == ["NET_ADMIN"]
    assert opts["labels"]["paasta_service"] == "svc" and opts["labels"]["paasta_instance"] == "main"
    assert opts["labels"][LABEL_TASK_ID] == spec.task_id and opts["labels"][LABEL_DEVCLUSTER] == "/data"
    assert opts["ports"] == {"8888/tcp": ("127.0.0.1", 31001)}
    assert opts["network_mode"] == "bridge"
    assert opts["environment"]["PORT0"] == "8888"
    assert "restart_policy" not in opts


def test_shell_command_runs_under_sh_entrypoint_and_args_keep_the_image_entrypoint() -> None:
    _, shell = options(cmd="echo $HOME")
    assert (shell["entrypoint"], shell["command"]) == (["/bin/sh", "-c"], ["echo $HOME"])
    _, argv = options(cmd=None, args=("serve", "--port", "8888"), shell=False)
    assert "entrypoint" not in argv and argv["command"] == ["serve", "--port", "8888"]
    _, neither = options(cmd=None)
    assert "command" not in neither and "entrypoint" not in neither


def test_host_and_none_networks_publish_nothing() -> None:
    _, host = options(network="HOST", host_ports=(31002,))
    assert host["network_mode"] == "host" and "ports" not in host
    _, none = options(network="NONE")
    assert none["network_mode"] == "none"


def test_udp_tcp_mapping_publishes_both() -> None:
    from paasta_tools.devcluster.executors.base import PortMapping

    spec = make_spec("x", image="i")
    spec = type(spec)(**{**spec.__dict__, "port_mappings": (PortMapping(53, 31053, "udp,tcp"),)})
    assert container_options(spec, "n", "/d")["ports"] == {
        "53/udp": ("127.0.0.1", 31053),
        "53/tcp": ("127.0.0.1", 31053),
    }


def test_volumes_and_sandbox_mount() -> None:
    spec = make_spec("x", image="i", volumes=(Volume("/etc/x", "/hostx", "RO"), Volume("/data", "/hostdata", "RW")))
    opts = container_options(spec, "n", "/d", sandbox="/sb")
    assert opts["volumes"] == {
        "/hostx": {"bind": "/etc/x", "mode": "ro"},
        "/hostdata": {"bind": "/data", "mode": "rw"},
        "/sb": {"bind": "/mnt/mesos/sandbox", "mode": "rw"},
    }
    assert opts["environment"]["MESOS_SANDBOX"] == "/mnt/mesos/sandbox"


def test_parameters_cannot_steal_the_task_label() -> None:
    spec, opts = options(parameters=(("label", f"{LABEL_TASK_ID}=other"),))
    assert opts["labels"][LABEL_TASK_ID] == spec.task_id


@pytest.mark.parametrize(
    ("parameter", "message"),
    [
        (("no-such-flag", "1"), "unsupported docker parameter 'no-such-flag'"),
        (("memory-swap", "lots"), "memory-swap: invalid size 'lots'"),
        (("cpu-quota", "1.5"), "cpu-quota: '1.5' is not an integer"),
        (("ulimit", "nofile"), "ulimit: invalid value 'nofile'"),
    ],
)
def test_bad_parameters_are_launch_errors_naming_the_key(parameter: tuple[str, str], message: str) -> None:
    with pytest.raises(LaunchError, match=message):
        options(parameters=(parameter,))


def test_sizes_and_ulimits() -> None:
    assert parse_size("2049m", "memory-swap") == 2049 * 1024 * 1024
    assert parse_size("1g", "memory") == 1024**3
    assert parse_size("512", "memory") == 512
    assert parse_size("-1", "memory-swap") == -1
    assert parse_ulimit("nproc=100") == {"Name": "nproc", "Soft": 100, "Hard": 100}


def test_spec_without_docker_is_rejected() -> None:
    with pytest.raises(LaunchError, match="has no docker container"):
        container_options(make_spec("x"), "n", "/d")
