"""``paasta autoscale`` through the cluster's paasta-api, the count kept in a real ZooKeeper."""

from __future__ import annotations

import pytest

from paasta_tools.cli.cli import main
from paasta_tools.clients import zookeeper as zk
from tests.integration.status.helpers import CLUSTER, write_service


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["autoscale", "-s", "svc", "-i", "main", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_autoscale_shows_sets_and_clamps_the_count(api_factory, zookeeper, capsys) -> None:
    chroot = "/mesos-autoscale-cli"
    api = api_factory(zookeeper=zookeeper.url(chroot))
    write_service(api.soa_dir, "svc", {"main": {"min_instances": 2, "max_instances": 5}})

    assert run(capsys, "-c", CLUSTER) == (0, "5\n", "")  # no count stored yet: max_instances
    assert run(capsys, "-c", CLUSTER, "--set", "3") == (0, "3\n", "")
    with zk.zk_connection(zookeeper.url(chroot)) as client:
        assert zk.read_autoscaled_instances(client, "svc", "main") == 3
    assert run(capsys, "-c", CLUSTER) == (0, "3\n", "")
    code, out, _ = run(capsys, "-c", CLUSTER, "--set", "9")
    assert (code, out) == (0, "WARNING desired_instances is greater than max_instances 5\n5\n")


def test_autoscale_errors_name_what_is_wrong(api_factory, zookeeper, capsys) -> None:
    api = api_factory(zookeeper=zookeeper.url("/mesos-autoscale-errors"))
    write_service(api.soa_dir, "svc", {"main": {"instances": 2}})

    code, out, err = run(capsys, "-c", "elsewhere")
    assert code == 1 and out == ""
    assert "api_endpoints.elsewhere" in err and f"clusters with an API endpoint: {CLUSTER}" in err
    code, _, err = run(capsys, "-c", CLUSTER, "--set", "2")
    assert code == 1 and "svc.main has no max_instances in marathon-devcluster.yaml" in err
    for bad, message in (
        ("-1", "must be 0 or more instances, got -1"),
        ("x", "must be a whole number of instances, got 'x'"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            run(capsys, "-c", CLUSTER, "--set", bad)
        assert exit_info.value.code == 1 and f"argument --set: {message}" in capsys.readouterr().err
