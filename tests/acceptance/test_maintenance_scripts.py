"""paasta_maintenance and cleanup_maintenance as installed, run as subprocesses against a devcluster's Mesos master."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.devcluster import write_devcluster_system_config

BIN = Path(sys.executable).parent
HOST = "127.0.0.1|127.0.0.1"


@pytest.fixture
def run(devcluster_factory, tmp_path):
    running = devcluster_factory(apis=("marathon", "mesos"))
    config_dir = write_devcluster_system_config(tmp_path / "etc_paasta", running)
    variables = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(config_dir)}

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / argv[0]), *argv[1:]], env=variables, capture_output=True, text=True, timeout=60
        )

    return run


def test_drain_down_up_undrain_as_an_operator_would(run) -> None:
    assert (run("paasta_maintenance", "is_host_draining", HOST).returncode, "False\n") == (1, "False\n")
    drained = run("paasta_maintenance", "drain", HOST, "-d", "30m")
    assert (drained.returncode, drained.stdout) == (0, "Done\n"), drained.stderr
    status = run("paasta_maintenance", "status")
    draining = json.loads(status.stdout)["draining_machines"]
    assert [machine["id"] for machine in draining] == [{"hostname": "127.0.0.1", "ip": "127.0.0.1"}]
    assert run("paasta_maintenance.py", "down", HOST).returncode == 0
    down = run("paasta_maintenance", "is_host_down", HOST)
    assert (down.returncode, down.stdout) == (0, "True\n")
    assert run("paasta_maintenance", "up", HOST).returncode == 0
    assert run("paasta_cleanup_maintenance").returncode == 0
    assert json.loads(run("paasta_maintenance", "schedule").stdout) == {}


def test_errors_are_one_line_without_traceback(run) -> None:
    refused = run("paasta_maintenance", "down", HOST)
    assert refused.returncode == 1
    assert refused.stderr.startswith("paasta_maintenance: the Mesos master at ") and "Traceback" not in refused.stderr
    assert "is not part of a maintenance schedule" in refused.stderr
    bad = run("paasta_maintenance", "drain", HOST, "-s", "not a date")
    assert (bad.returncode, bad.stderr) == (1, "paasta_maintenance: 'not a date' is not a valid datetime expression\n")
