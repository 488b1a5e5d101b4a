"""paasta-api served from a thread on a free port, over a devcluster and a soa dir of the status helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from paasta_tools.api.api import load_settings, serve_in_thread
from paasta_tools.clients import marathon_client
from paasta_tools.clients.paasta_api import PaastaApiClient
from tests.conftest import free_port
from tests.integration.status.helpers import CLUSTER, system_config_dir


@dataclass
class ApiCluster:
    """A devcluster, the soa dir, and paasta-api serving both."""

    running: Any
    soa_dir: Path
    url: str
    etc: Path

    @property
    def client(self) -> PaastaApiClient:
        return PaastaApiClient(self.url, timeout=10)

    @property
    def marathon(self) -> Any:
        return marathon_client.get_marathon_client(self.running.marathon_url)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.post(f"{self.url}{path}", timeout=10, **kwargs)


def start_api(tmp_path: Path, running: Any, stops: list[Any], **extra: Any) -> ApiCluster:
    """Serve paasta-api (no read cache) for ``running``; its system config has ``api_endpoints`` and ``extra``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    etc = system_config_dir(tmp_path, running, api_endpoints={CLUSTER: url}, **extra)
    soa = tmp_path / "soa"
    soa.mkdir(exist_ok=True)
    server = serve_in_thread(load_settings(str(soa), cache_ttl=0, system_config_dir=str(etc)), port)
    stops.append(server.stop)
    return ApiCluster(running, soa, server.url, etc)


@pytest.fixture
def api_factory(tmp_path: Path, devcluster_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``api_factory(executor=None, apis=..., **system_config_keys)``: a devcluster and its paasta-api;
    PAASTA_SYSTEM_CONFIG_DIR points at their system config."""
    stops: list[Any] = []

    def factory(executor: Any = None, **extra: Any) -> ApiCluster:
        apis = extra.pop("apis", None)
        running = devcluster_factory(executor=executor, **({"apis": apis} if apis else {}))
        api = start_api(tmp_path, running, stops, **extra)
        monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(api.etc))
        return api

    yield factory
    for stop in stops:
        stop()


@pytest.fixture
def api(api_factory: Any) -> ApiCluster:
    """paasta-api of a devcluster running tasks with the no-op executor."""
    return api_factory()
