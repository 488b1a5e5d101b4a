"""The installed status, metastatus, emergency and replication commands, run as subprocesses on a devcluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from paasta_tools.clients import marathon_client
from tests.integration.status.helpers import CLUSTER, deploy, running_tasks, system_config_dir, write_service

BIN = Path(sys.executable).parent


def _run(etc: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(etc)}
    return subprocess.run([str(BIN / argv[0]), *argv[1:]], env=env, capture_output=True, text=True, timeout=60)


def test_status_replication_emergency_and_metastatus(tmp_path: Path, devcluster_factory, sensu_listener, wait_for):
    running = devcluster_factory()
    etc = system_config_dir(tmp_path, running, sensu_port=sensu_listener.port)
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 2}})
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 2 and not client.list_deployments())

    status = _run(etc, "paasta", "status", "-s", "svc", "-d", str(soa))
    assert status.returncode == 0, status.stderr
    assert "    Marathon:   Healthy - up with (2/2) instances. Status: Running\n" in status.stdout
    assert "\033[" not in status.stdout  # no colour when not on a terminal
    document = json.loads(_run(etc, "paasta", "status", "-s", "svc", "-d", str(soa), "-o", "json").stdout)
    assert document["clusters"][0]["instances"][0]["deploy_status"] == "Running"

    check = _run(etc, "check_marathon_services_replication", "-d", str(soa), "--min-task-uptime", "0")
    assert check.returncode == 0, check.stderr
    assert sensu_listener.wait_for_events(1)[0]["output"].startswith("Service svc.main has 2 out of 2 expected")

    stop = _run(etc, "paasta", "emergency-stop", "-s", "svc", "-i", "main", "-c", CLUSTER, "-d", str(soa))
    assert stop.returncode == 0, stop.stderr
    wait_for(lambda: running_tasks(client, app_id) == [])

    meta = _run(etc, "paasta", "metastatus", "-d", str(soa), "-v")
    assert meta.returncode == 2  # an app with no task left: Marathon is critical
    assert "Marathon Status: CRITICAL\n" in meta.stdout and "  CRITICAL: No marathon tasks running\n" in meta.stdout
