"""SmartStack on the devcluster: a real HAProxy kept in step with Marathon tasks, checked through hacheck."""

from __future__ import annotations

import json

import pytest
import requests
import yaml

from paasta_tools.clients.haproxy import get_backends
from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy
from paasta_tools.devcluster.smartstack.synapse import SmartStackSettings, start_smartstack_in_thread
from paasta_tools.devcluster.system_config import smartstack_document
from tests.conftest import free_port
from tests.integration.marathon_pipeline.conftest import HEALTHY_INSTANCE, make_pipeline  # noqa: F401

pytestmark = pytest.mark.skipif(missing_haproxy() is not None, reason=str(missing_haproxy()))


class SmartStackPipeline:
    """A Marathon pipeline whose devcluster runs SmartStack; ``statuses()`` reads its synapse."""

    def __init__(self, pipeline, handle, settings: SmartStackSettings, proxy_port: int) -> None:
        self.pipeline = pipeline
        self.handle = handle
        self.settings = settings
        self.proxy_port = proxy_port

    def write_smartstack(self, namespaces: dict | None = None) -> None:
        directory = self.pipeline.soa_dir / "svc"
        directory.mkdir(parents=True, exist_ok=True)
        default = {"main": {"proxy_port": self.proxy_port, "healthcheck_uri": "/"}}
        (directory / "smartstack.yaml").write_text(yaml.safe_dump(namespaces or default))

    def statuses(self, name: str = "svc.main") -> dict[int | None, str]:
        backends = get_backends([name], "127.0.0.1", self.settings.synapse_port)
        return {b.port: b.status for b in backends}

    def up_count(self, name: str = "svc.main") -> int:
        return sum(1 for status in self.statuses(name).values() if status.startswith("UP"))


@pytest.fixture
def smartstack_pipeline(make_pipeline, tmp_path):  # noqa: F811 - the imported fixture
    pipeline = make_pipeline()
    settings = SmartStackSettings(
        soa_dir=pipeline.soa_dir,
        cluster="devcluster",
        marathon_url=pipeline.url,
        work_dir=tmp_path / "smartstack",
        synapse_port=free_port(),
        hacheck_port=free_port(),
        interval=0.2,
        check_interval_ms=200,
    )
    handle = start_smartstack_in_thread(settings)
    config_dir = tmp_path / "etc_paasta"
    document = smartstack_document(settings.synapse_port, settings.hacheck_port)
    (config_dir / "smartstack.json").write_text(json.dumps(document))
    yield SmartStackPipeline(pipeline, handle, settings, free_port())
    handle.stop()


def test_a_task_becomes_up_and_takes_traffic_through_the_proxy_port(smartstack_pipeline, wait_for) -> None:
    stack = smartstack_pipeline
    stack.write_smartstack()
    stack.pipeline.write_service({"main": {**HEALTHY_INSTANCE, "instances": 1}})
    stack.pipeline.bounce_until("svc.main", lambda: stack.pipeline.converged(1))
    task = stack.pipeline.only_app()["tasks"][0]
    wait_for(lambda: stack.statuses().get(task["ports"][0]) == "UP")
    (backend,) = get_backends(["svc.main"], "127.0.0.1", stack.settings.synapse_port)
    assert backend.svname == f"127.0.0.1:{task['ports'][0]}_127.0.0.1"
    response = requests.get(f"http://127.0.0.1:{stack.proxy_port}/", timeout=5)
    assert response.status_code == 200
    assert "Directory listing" in response.text
