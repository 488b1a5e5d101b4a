"""The demo writes main's proxy_port into its soa dir: 20666, or a free port when something else listens there."""

from __future__ import annotations

import contextlib
import io
import socket
from collections.abc import Iterator
from pathlib import Path

import yaml

from paasta_tools.demo import ClusterInfo, Demo, write_soa_configs
from paasta_tools.devcluster.runner import port_is_free
from tests.conftest import free_port


@contextlib.contextmanager
def _listening(port: int) -> Iterator[None]:
    """Listen on 127.0.0.1:``port`` (as another demo's HAProxy would); nothing when someone already does."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past connections in TIME_WAIT do not count
        with contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            sock.listen()
        yield


def _demo(tmp_path: Path) -> Demo:
    info = ClusterInfo(
        marathon_url="http://127.0.0.1:1",
        chronos_url="http://127.0.0.1:2",
        mesos_url="http://127.0.0.1:3",
        system_config_dir=tmp_path / "etc_paasta",
        executor="process",
        registry=None,
        zookeeper_port=free_port(),
        synapse_port=free_port(),
        hacheck_port=free_port(),
    )
    return Demo(workdir=tmp_path, out=io.StringIO(), info=info)


def _written_port(demo: Demo) -> int:
    document = yaml.safe_load((demo.soa_dir / demo.service / "smartstack.yaml").read_text())
    return document["main"]["proxy_port"]


def test_the_demo_moves_off_20666_when_something_listens_there(tmp_path: Path) -> None:
    demo = _demo(tmp_path)
    other = demo.soa_dir / "other_service"
    other.mkdir(parents=True)
    (other / "smartstack.yaml").write_text("main:\n  proxy_port: 20000\n")
    with _listening(20666):
        assert write_soa_configs(demo) == 0
        port = _written_port(demo)
        assert port == demo.proxy_port
        assert port != 20666 and port != 20000 and 20000 < port <= 21000
        assert port_is_free(port)


def test_the_demo_keeps_the_port_its_own_haproxy_holds(tmp_path: Path) -> None:
    demo = _demo(tmp_path)
    config = demo.devcluster_dir / "smartstack" / "haproxy.cfg"  # what its synapse rendered for the last run
    config.parent.mkdir(parents=True)
    config.write_text("frontend example_service.main\n    bind 127.0.0.1:20666\n")
    with _listening(20666):
        assert write_soa_configs(demo) == 0
    assert _written_port(demo) == demo.proxy_port == 20666


def test_without_smartstack_there_is_no_smartstack_yaml(tmp_path: Path) -> None:
    demo = _demo(tmp_path)
    demo.info = ClusterInfo(**{**vars(demo.cluster_info), "synapse_port": None, "hacheck_port": None})
    assert write_soa_configs(demo) == 0
    assert not (demo.soa_dir / demo.service / "smartstack.yaml").exists()
