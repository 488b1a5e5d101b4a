from __future__ import annotations

import datetime

import pytest

from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.errors import InvalidChronosConfigError, InvalidInstanceConfig
from paasta_tools.local_run.docker_args import (
    DockerRunPlan,
    build_plan,
    container_name,
    cpu_shares,
    docker_run_args,
    docker_sdk_kwargs,
    format_volumes,
    resolve_command,
)

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30)
IMAGE = "registry.local/services-svc:paasta-abc"


def _plan(config, command="run-me", interactive=False, tty=False, env=None, volumes=None) -> DockerRunPlan:
    return build_plan(
        config,
        docker_hash=IMAGE,
        env=env if env is not None else {"A": "1", "B": "two words"},
        volumes=volumes if volumes is not None else ["/nail/etc:/nail/etc:ro"],
        command=command,
        chosen_port=31234,
        name="paasta_local_run_me_42",
        interactive=interactive,
        tty=tty,
    )


def test_marathon_bridge_args() -> None:
    config = MarathonServiceConfig(
        "svc",
        "norcal",
        "main",
        {"mem": 2048.5, "cpus": 0.5, "ulimit": {"nproc": {"soft": 10}, "nofile": {"soft": 1, "hard": 2}}},
    )
    config = MarathonServiceConfig("svc", "norcal", "main", {**config.config_dict, "cap_add": ["NET_ADMIN"]})
    assert docker_run_args(_plan(config)) == [
        "paasta_docker_wrapper",
        "run",
        "--env=A=1",
        "--env=B=two words",
        "--memory=2048m",
        "--cpu-shares=512",
        "--memory-swap=2049m",
        "--cpu-period=100000",
        "--cpu-quota=500000",
        "--ulimit=nofile=1:2",
        "--ulimit=nproc=10",
        "--cap-add=NET_ADMIN",
        "--label=paasta_service=svc",
        "--label=paasta_instance=main",
        "--publish=127.0.0.1:31234:8888",
        "--name=paasta_local_run_me_42",
        "--volume=/nail/etc:/nail/etc:ro",
        "--detach=true",
        IMAGE,
        "sh",
        "-c",
        "run-me",
    ]


def test_host_net_publishes_nothing() -> None:
    config = MarathonServiceConfig("svc", "norcal", "main", {"net": "host", "mem": 100, "cpus": 1})
    assert docker_run_args(_plan(config, command=["a", "b"], env={}, volumes=[])) == [
        "paasta_docker_wrapper",
        "run",
        "--memory=100m",
        "--cpu-shares=1024",
        "--memory-swap=100m",
        "--cpu-period=100000",
        "--cpu-quota=1000000",
        "--label=paasta_service=svc",
        "--label=paasta_instance=main",
        "--net=host",
        "--name=paasta_local_run_me_42",
        "--detach=true",
        IMAGE,
        "a",
        "b",
    ]
    kwargs = docker_sdk_kwargs(_plan(config, command=None, env={}, volumes=[]))
    assert kwargs["network_mode"] == "host"
    assert "ports" not in kwargs
    assert "command" not in kwargs
    isolated = MarathonServiceConfig("svc", "norcal", "main", {"net": "none"})
    assert "--net=none" in docker_run_args(_plan(isolated))
    assert docker_sdk_kwargs(_plan(isolated))["network_mode"] == "none"


def test_chronos_args_use_chronos_resources() -> None:
    config = ChronosJobConfig("svc", "norcal", "nightly", {"mem": 64, "cpus": 1, "cfs_period_us": 50000})
    args = docker_run_args(_plan(config, env={}, volumes=[]))
    assert args[2:9] == [
        "--memory=64m",
        "--cpu-shares=1024",
        "--memory-swap=64m",
        "--cpu-period=50000",
        "--cpu-quota=500000",
        "--label=paasta_service=svc",
        "--label=paasta_instance=nightly",
    ]
    assert args[9] == "--publish=127.0.0.1:31234:8888"


def test_interactive_adhoc_args_and_kwargs() -> None:
    config = AdhocJobConfig("svc", "norcal", "interactive", {})
    plan = _plan(config, command="bash", interactive=True, tty=True, env={}, volumes=[])
    assert docker_run_args(plan) == [
        "paasta_docker_wrapper",
        "run",
        "--memory=10240m",
        "--cpu-shares=4096",
        "--memory-swap=10240m",
        "--cpu-period=100000",
        "--cpu-quota=4000000",
        "--label=paasta_service=svc",
        "--label=paasta_instance=interactive",
        "--publish=127.0.0.1:31234:8888",
        "--name=paasta_local_run_me_42",
        "--interactive=true",
        "--tty=true",
        IMAGE,
        "sh",
        "-c",
        "bash",
    ]
    kwargs = docker_sdk_kwargs(plan)
    assert kwargs["stdin_open"] is True and kwargs["tty"] is True
    no_tty = docker_run_args(_plan(config, interactive=True, tty=False, env={}, volumes=[]))
    assert "--interactive=true" in no_tty and "--tty=true" not in no_tty and "--detach=true" not in no_tty


def test_sdk_kwargs_match_the_args() -> None:
    config = MarathonServiceConfig(
        "svc", "norcal", "main", {"mem": 2048.5, "cpus": 0.5, "ulimit": {"nofile": {"soft": 1, "hard": 2}}}
    )
    config = MarathonServiceConfig("svc", "norcal", "main", {**config.config_dict, "cap_add": ["SYS_PTRACE"]})
    assert docker_sdk_kwargs(_plan(config)) == {
        "image": IMAGE,
        "name": "paasta_local_run_me_42",
        "environment": {"A": "1", "B": "two words"},
        "mem_limit": "2048m",
        "memswap_limit": "2049m",
        "cpu_shares": 512,
        "cpu_period": 100000,
        "cpu_quota": 500000,
        "ulimits": [{"name": "nofile", "soft": 1, "hard": 2}],
        "cap_add": ["SYS_PTRACE"],
        "labels": {"paasta_service": "svc", "paasta_instance": "main"},
        "volumes": ["/nail/etc:/nail/etc:ro"],
        "privileged": False,
        "detach": True,
        "stdin_open": False,
        "tty": False,
        "command": ["sh", "-c", "run-me"],
        "ports": {"8888/tcp": ("127.0.0.1", 31234)},
        "network_mode": "bridge",
    }


def test_json_dict_has_upstreams_keys() -> None:
    plan = _plan(MarathonServiceConfig("svc", "norcal", "main", {"mem": 100}))
    assert sorted(plan.as_json_dict()) == sorted(
        [
            "memory",
            "chosen_port",
            "container_name",
            "volumes",
            "env",
            "interactive",
            "docker_hash",
            "command",
            "net",
            "docker_params",
            "detach",
        ]
    )


def test_resolve_command_precedence() -> None:
    marathon = MarathonServiceConfig("svc", "norcal", "main", {"cmd": "serve"})
    assert resolve_command(marathon, "override", interactive=True, now=NOW) == "override"
    assert resolve_command(marathon, None, interactive=True, now=NOW) == "bash"
    assert resolve_command(marathon, None, interactive=False, now=NOW) == "serve"
    with_args = MarathonServiceConfig("svc", "norcal", "main", {"args": ["--port", "8888"]})
    assert resolve_command(with_args, None, interactive=False, now=NOW) == ["--port", "8888"]
    bare = MarathonServiceConfig("svc", "norcal", "main", {})
    assert resolve_command(bare, None, interactive=False, now=NOW) is None


def test_chronos_command_is_interpolated_at_now() -> None:
    job = ChronosJobConfig("svc", "norcal", "nightly", {"cmd": "run --date %(shortdate-1)s --hour %(hour+20)s 100%%"})
    assert resolve_command(job, None, interactive=False, now=NOW) == "run --date 2017-03-14 --hour 06 100%"
    marathon = MarathonServiceConfig("svc", "norcal", "main", {"cmd": "echo %(shortdate)s"})
    assert resolve_command(marathon, None, interactive=False, now=NOW) == "echo %(shortdate)s"
    broken = ChronosJobConfig("svc", "norcal", "nightly", {"cmd": "echo 100%"})
    with pytest.raises(InvalidChronosConfigError, match="Unparseable command"):
        resolve_command(broken, None, interactive=False, now=NOW)


def test_format_volumes_and_errors() -> None:
    volumes = [
        {"hostPath": "/a", "containerPath": "/b", "mode": "RO"},
        {"hostPath": "/c", "containerPath": "/d", "mode": "RW"},
    ]
    assert format_volumes(volumes) == ["/a:/b:ro", "/c:/d:rw"]
    with pytest.raises(InvalidInstanceConfig, match="lacks 'mode'"):
        format_volumes([{"hostPath": "/a", "containerPath": "/b"}])


def test_names_and_shares() -> None:
    assert container_name("alice", 7) == "paasta_local_run_alice_7"
    assert cpu_shares(0.001) == 2
    assert cpu_shares(0.25) == 256


def test_unknown_docker_parameter_is_refused() -> None:
    plan = _plan(MarathonServiceConfig("svc", "norcal", "main", {}))
    odd = DockerRunPlan(**{**plan.__dict__, "docker_params": [{"key": "privileged", "value": "true"}]})
    with pytest.raises(InvalidInstanceConfig, match="'privileged'"):
        docker_sdk_kwargs(odd)
