"""``paasta-devcluster up --soa-dir``: SmartStack runs as a side component and ``down`` stops it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import yaml

from paasta_tools.devcluster.json_files import read_json
from paasta_tools.devcluster.runner import port_is_free, record_alive
from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy
from tests.conftest import free_port
from tests.integration.devcluster.test_command import Devcluster, devcluster  # noqa: F401

pytestmark = pytest.mark.skipif(missing_haproxy() is not None, reason=str(missing_haproxy()))
QUIET = ("--no-zookeeper", "--no-registry", "--no-sensu")  # only SmartStack matters here


def _soa_dir(tmp_path: Path, proxy_port: int) -> Path:
    service = tmp_path / "soa" / "svc"
    service.mkdir(parents=True)
    (service / "service.yaml").write_text(yaml.safe_dump({"description": "x"}))
    (service / "smartstack.yaml").write_text(yaml.safe_dump({"main": {"proxy_port": proxy_port}}))
    return tmp_path / "soa"


def test_up_with_a_soa_dir_runs_smartstack_and_down_stops_it(devcluster: Devcluster, tmp_path: Path) -> None:  # noqa: F811
    proxy_port, synapse_port, hacheck_port = free_port(), free_port(), free_port()
    soa_dir = _soa_dir(tmp_path, proxy_port)
    flags = ["--synapse-port", str(synapse_port), "--hacheck-port", str(hacheck_port)]
    result = devcluster.up("--executor", "noop", *QUIET, "--soa-dir", str(soa_dir), *flags)
    assert result.returncode == 0, result.stderr
    assert f"Synapse:   127.0.0.1:{synapse_port} (hacheck 127.0.0.1:{hacheck_port})" in result.stderr
    smartstack = json.loads((devcluster.data_dir / "etc_paasta" / "smartstack.json").read_text())
    assert smartstack == {"synapse_host": "127.0.0.1", "synapse_port": synapse_port, "hacheck_port": hacheck_port}
    csv = requests.get(f"http://127.0.0.1:{synapse_port}/;csv;norefresh", timeout=5).text
    assert "svc.main,FRONTEND," in csv and "svc.main,BACKEND," in csv
    assert requests.get(f"http://127.0.0.1:{hacheck_port}/spool/svc.main/31000/status", timeout=5).status_code == 200
    assert not port_is_free(proxy_port)
    record = read_json(devcluster.data_dir / "components.json")["smartstack-haproxy"]
    assert record_alive(record)
    status = devcluster.run("status")
    assert f"Synapse:   127.0.0.1:{synapse_port} (hacheck 127.0.0.1:{hacheck_port})  up" in status.stdout

    assert devcluster.run("down").returncode == 0
    assert not record_alive(record)
    assert port_is_free(synapse_port) and port_is_free(proxy_port) and port_is_free(hacheck_port)


def test_up_without_a_soa_dir_has_no_smartstack(devcluster: Devcluster) -> None:  # noqa: F811
    result = devcluster.up("--executor", "noop", *QUIET)
    assert result.returncode == 0, result.stderr
    assert "Synapse:" not in result.stderr
    assert not (devcluster.data_dir / "etc_paasta" / "smartstack.json").exists()
    assert "smartstack-haproxy" not in (read_json(devcluster.data_dir / "components.json") or {})


def test_up_after_a_crash_replaces_the_haproxy_the_dead_devcluster_left(devcluster: Devcluster, tmp_path: Path) -> None:  # noqa: F811
    import os
    import signal

    soa_dir = _soa_dir(tmp_path, free_port())
    flags = ["--executor", "noop", *QUIET, "--soa-dir", str(soa_dir), "--synapse-port", str(free_port())]
    flags += ["--hacheck-port", str(free_port())]
    assert devcluster.up(*flags).returncode == 0
    orphan = read_json(devcluster.data_dir / "components.json")["smartstack-haproxy"]
    os.kill(devcluster.daemon_pid(), signal.SIGKILL)
    assert record_alive(orphan)  # HAProxy outlives the devcluster, as it would a real synapse

    again = devcluster.up(*flags)
    assert again.returncode == 0, again.stderr
    assert "smartstack not started" not in again.stderr
    assert not record_alive(orphan)
    assert record_alive(read_json(devcluster.data_dir / "components.json")["smartstack-haproxy"])
