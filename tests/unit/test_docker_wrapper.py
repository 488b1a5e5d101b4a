"""paasta_docker_wrapper's argument rewriting (pure; the exec is tested in tests/integration/test_host_scripts.py)."""

from __future__ import annotations

import pytest

from paasta_tools.scripts.docker_wrapper import (
    build_parser,
    env_from_args,
    insert_after_run,
    rewrite_docker_args,
    sets_hostname,
    task_hostname,
    uses_host_network,
)

FQDN = "agent3.dc1.example.org"
MARATHON_TASK = "svc.main.gitabcdef01.config12345678.7f9c2a0e-1d2b-11e7-93ae-92361f002671"


def test_env_from_every_spelling_of_the_env_flag():
    args = ["run", "-e", "A=1", "-e=B=2", "--env", "C=3", "--env=D=4=x", "-te", "E=5", "-e", "NOVALUE", "img"]
    assert env_from_args(args) == {"A": "1", "B": "2", "C": "3", "D": "4=x", "E": "5"}
    assert env_from_args(["run", "--entrypoint", "X=1", "-v", "F=6"]) == {}


def test_a_marathon_task_gets_its_hostname_right_after_run():
    args = ["run", "--rm", "-e", f"MESOS_TASK_ID={MARATHON_TASK}", "-e", "PORT=8888", "busybox", "sh"]
    assert rewrite_docker_args(args, FQDN) == [
        "run",
        "--hostname=agent3-7f9c2a0e-1d2b-11e7-93ae-92361f002671",
        *args[1:],
    ]


def test_a_chronos_task_id_with_spaces_and_colons_becomes_dashes():
    task = "ct:1489575600000:0:svc nightly:"
    args = ["run", f"--env=mesos_task_id={task}", "img"]
    assert rewrite_docker_args(args, FQDN)[1] == "--hostname=agent3-ct-1489575600000-0-svc-nightly-"


def test_hostname_is_at_most_63_characters():
    name = task_hostname("a" * 40 + ".example.org", "svc.main." + "b" * 40)
    assert len(name) == 63 and name.startswith("a" * 40 + "-b")


@pytest.mark.parametrize(
    "extra",
    [["-h", "mine"], ["--hostname=mine"], ["--hostname", "mine"], ["-th", "mine"], ["-h=mine"]],
)
def test_a_chosen_hostname_is_kept(extra):
    args = ["run", *extra, "-e", "MESOS_TASK_ID=a.b", "img"]
    assert sets_hostname(args)
    assert rewrite_docker_args(args, FQDN) == args


@pytest.mark.parametrize("extra", [["--net=host"], ["--network=host"], ["--net", "host"], ["--network", "host"]])
def test_the_host_network_keeps_the_hosts_name(extra):
    args = ["run", *extra, "-e", "MESOS_TASK_ID=a.b", "img"]
    assert uses_host_network(args)
    assert rewrite_docker_args(args, FQDN) == args


def test_no_task_id_or_no_run_changes_nothing():
    assert rewrite_docker_args(["run", "-e", "PORT=1", "img"], FQDN) == ["run", "-e", "PORT=1", "img"]
    assert rewrite_docker_args(["ps", "-a"], FQDN) == ["ps", "-a"]
    assert not uses_host_network(["run", "--net"])  # a dangling flag is not the host network
    assert not sets_hostname(["run", "--net=bridge", "-p", "80:80", "img"])
    assert insert_after_run(["inspect", "x"], "--hostname=h") == ["inspect", "x"]


def test_help_parser_takes_any_docker_arguments():
    args = build_parser().parse_args(["run", "-e", "A=1", "--rm", "img"])
    assert args.docker_args == ["run", "-e", "A=1", "--rm", "img"]
