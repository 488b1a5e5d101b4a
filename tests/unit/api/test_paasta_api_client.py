"""Finding a cluster's paasta-api in the system config."""

from __future__ import annotations

import pytest

from paasta_tools.clients.paasta_api import get_paasta_api_client
from paasta_tools.errors import PaastaNotConfiguredError
from paasta_tools.system_config import SystemPaastaConfig


def test_the_client_of_a_cluster_uses_its_api_endpoint() -> None:
    system = SystemPaastaConfig({"api_endpoints": {"c1": "http://127.0.0.1:5054/"}}, "/etc/paasta")
    assert get_paasta_api_client("c1", system).base_url == "http://127.0.0.1:5054"


def test_a_cluster_without_an_endpoint_is_named_with_the_key() -> None:
    system = SystemPaastaConfig({"api_endpoints": {"c1": "http://127.0.0.1:5054"}}, "/etc/paasta")
    with pytest.raises(PaastaNotConfiguredError, match=r"api_endpoints\.c2 in configuration directory: /etc/paasta"):
        get_paasta_api_client("c2", system)
    with pytest.raises(PaastaNotConfiguredError, match="Could not find api_endpoints in configuration directory"):
        get_paasta_api_client("c1", SystemPaastaConfig({}, "/etc/paasta"))


def test_the_devcluster_system_config_names_its_api_when_it_runs_one() -> None:
    from pathlib import Path

    from paasta_tools.devcluster.system_config import DevclusterEndpoints, system_config_documents

    base = dict(cluster="dc", marathon_url="m", chronos_url="c", mesos_url="x", zookeeper_port=None, registry=None)
    without = system_config_documents(DevclusterEndpoints(**base, log_dir=Path("/l")))
    assert "api.json" not in without
    documents = system_config_documents(
        DevclusterEndpoints(**base, log_dir=Path("/l"), api_url="http://127.0.0.1:5054")
    )
    assert documents["api.json"] == {"api_endpoints": {"dc": "http://127.0.0.1:5054"}}
