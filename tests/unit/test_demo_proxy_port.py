"""The demo's choice of main's SmartStack proxy_port: 20666 unless taken, then the lowest free of 20000-21000."""

from __future__ import annotations

import pytest

from paasta_tools.demo_smartstack import PROXY_PORT, choose_proxy_port, haproxy_ports, smartstack_files
from paasta_tools.errors import DemoError


def test_20666_when_it_is_free() -> None:
    assert choose_proxy_port(lambda port: True) == PROXY_PORT == 20666


def test_the_lowest_free_port_not_in_any_smartstack_yaml_when_20666_is_taken() -> None:
    listening = {20666, 20000}
    assert choose_proxy_port(lambda port: port not in listening) == 20001
    assert choose_proxy_port(lambda port: port not in listening, used={20001, 20002}) == 20003
    assert choose_proxy_port(lambda port: True, used={20666}) == 20000  # another service's smartstack.yaml


def test_a_port_the_demos_own_haproxy_holds_counts_as_free() -> None:
    assert choose_proxy_port(lambda port: False, ours={20666}) == 20666
    assert choose_proxy_port(lambda port: port != 20666, ours={20005}) == 20000
    assert choose_proxy_port(lambda port: False, ours={20005}) == 20005


def test_no_free_port_is_an_error_naming_the_range() -> None:
    with pytest.raises(DemoError, match=r"no free SmartStack proxy_port in \[20000, 20002\]"):
        choose_proxy_port(lambda port: False, low=20000, high=20002)


def test_haproxy_ports_reads_the_bind_lines() -> None:
    config = "frontend a\n    bind 127.0.0.1:20666\nlisten stats\n    bind 127.0.0.1:3212\n    mode http\n"
    assert haproxy_ports(config) == {20666, 3212}
    assert haproxy_ports("") == set()


def test_the_smartstack_yaml_carries_the_chosen_port() -> None:
    assert smartstack_files(6666, 20001) == {
        "smartstack.yaml": "main:\n  proxy_port: 20001\n  healthcheck_uri: /status\n"
    }
    assert "proxy_port: 20666" in smartstack_files(6666)["smartstack.yaml"]
    assert smartstack_files(None, 20001) == {}
