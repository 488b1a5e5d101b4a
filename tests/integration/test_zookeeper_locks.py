"""Bounce locks and autoscaling counts against a real ZooKeeper."""

from __future__ import annotations

import pytest

from paasta_tools.clients import zookeeper as zk


def test_bounce_lock_path_uses_upstream_names() -> None:
    assert zk.bounce_lock_path("example_service", "main") == "/bounce/example--service.main"


def test_second_holder_of_a_bounce_lock_is_refused(zookeeper) -> None:
    url = zookeeper.url("/mesos-locks")
    with zk.zk_connection(url) as first, zk.zk_connection(url) as second:
        with zk.bounce_lock(first, "svc", "main"):
            with pytest.raises(zk.LockHeldError, match="/bounce/svc.main"):
                with zk.bounce_lock(second, "svc", "main"):
                    pass
            # another instance's lock is independent
            with zk.bounce_lock(second, "svc", "canary"):
                pass
        with zk.bounce_lock(second, "svc", "main"):
            pass


def test_autoscaled_instances_round_trip(zookeeper) -> None:
    with zk.zk_connection(zookeeper.url("/mesos-autoscale")) as client:
        assert zk.read_autoscaled_instances(client, "svc", "main") is None
        zk.write_autoscaled_instances(client, "svc", "main", 7)
        assert zk.read_autoscaled_instances(client, "svc", "main") == 7
        client.set(zk.autoscaling_path("svc", "main"), b"garbage")
        assert zk.read_autoscaled_instances(client, "svc", "main") is None


def test_unreachable_zookeeper_is_a_clear_error() -> None:
    from tests.conftest import free_port

    with pytest.raises(zk.ZookeeperError, match="could not connect to ZooKeeper at zk://127.0.0.1"):
        with zk.zk_connection(f"zk://127.0.0.1:{free_port()}/x", timeout=1):
            pass
