"""``paasta-devcluster up --soa-dir --api-port``: paasta-api runs as a side component, the system config names
it in ``api_endpoints``, ``paasta status`` in API mode reads through it, and ``down`` stops it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import requests
import yaml

from paasta_tools import __version__
from paasta_tools.devcluster.json_files import read_json
from paasta_tools.devcluster.runner import port_is_free, record_alive
from tests.conftest import free_port
from tests.integration.devcluster.test_command import PAASTA, Devcluster, command, devcluster  # noqa: F401

QUIET = ("--executor", "noop", "--no-zookeeper", "--no-registry", "--no-sensu")


def _soa_dir(tmp_path: Path) -> Path:
    service = tmp_path / "soa" / "svc"
    service.mkdir(parents=True)
    (service / "service.yaml").write_text(yaml.safe_dump({"description": "x"}))
    (service / "marathon-devcluster.yaml").write_text(yaml.safe_dump({"main": {"instances": 1}}))
    return tmp_path / "soa"


def test_up_with_a_soa_dir_runs_paasta_api(devcluster: Devcluster, tmp_path: Path) -> None:  # noqa: F811
    soa_dir = _soa_dir(tmp_path)
    port = devcluster.ports["api"]
    smartstack = ["--synapse-port", str(free_port()), "--hacheck-port", str(free_port())]
    result = devcluster.up(*QUIET, "--soa-dir", str(soa_dir), *smartstack)
    assert result.returncode == 0, result.stderr
    assert f"API:       http://127.0.0.1:{port} (paasta-api)" in result.stderr
    etc = devcluster.data_dir / "etc_paasta"
    assert json.loads((etc / "api.json").read_text()) == {"api_endpoints": {"devcluster": f"http://127.0.0.1:{port}"}}
    assert requests.get(f"http://127.0.0.1:{port}/v1/version", timeout=5).json() == __version__
    assert requests.get(f"http://127.0.0.1:{port}/v1/services/svc", timeout=5).json() == {"instances": ["main"]}
    record = read_json(devcluster.data_dir / "components.json")["paasta-api"]
    assert record_alive(record) and record["port"] == port
    assert f"API:       http://127.0.0.1:{port} (paasta-api)  up" in devcluster.run("status").stdout

    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(etc), "USE_API_ENDPOINT": "1"}
    status = subprocess.run(
        [*command(PAASTA), "status", "-s", "svc", "-d", str(soa_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert status.returncode == 1  # no deployments.json yet: the same answer as without the API
    assert "No deployments in deployments.json yet." in status.stdout

    assert devcluster.run("down").returncode == 0
    assert not record_alive(record) and port_is_free(port)


def test_up_without_a_soa_dir_has_no_api(devcluster: Devcluster) -> None:  # noqa: F811
    result = devcluster.up(*QUIET)
    assert result.returncode == 0, result.stderr
    assert "API:" not in result.stderr
    assert not (devcluster.data_dir / "etc_paasta" / "api.json").exists()
    assert port_is_free(devcluster.ports["api"])


def test_up_after_a_crash_replaces_the_paasta_api_the_dead_devcluster_left(
    devcluster: Devcluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    import signal

    flags = [*QUIET, "--soa-dir", str(_soa_dir(tmp_path))]
    flags += ["--synapse-port", str(free_port()), "--hacheck-port", str(free_port())]
    assert devcluster.up(*flags).returncode == 0
    orphan = read_json(devcluster.data_dir / "components.json")["paasta-api"]
    os.kill(devcluster.daemon_pid(), signal.SIGKILL)
    assert record_alive(orphan)  # started in its own session: it outlives the devcluster

    again = devcluster.up(*flags)
    assert again.returncode == 0, again.stderr
    assert "stopped what an earlier devcluster left running: paasta-api, smartstack-haproxy" in again.stderr
    assert "not started" not in again.stderr
    assert not record_alive(orphan)
    replacement = read_json(devcluster.data_dir / "components.json")["paasta-api"]
    assert record_alive(replacement) and replacement["pid"] != orphan["pid"]
    port = devcluster.ports["api"]
    assert requests.get(f"http://127.0.0.1:{port}/v1/services/svc", timeout=5).json() == {"instances": ["main"]}
    assert devcluster.run("down").returncode == 0
    assert not record_alive(replacement)
