"""The scripts as cron and operators run them: the installed console scripts and bin/ launchers, as
subprocesses (upstream's package itest ran ``--help`` of every script on PATH)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
SCRIPTS = (
    "am_i_mesos_leader",
    "get_mesos_leader",
    "generate_all_deployments",
    "generate_services_file",
    "generate_services_yaml",
    "synapse_srv_namespaces_fact",
    "graceful_app_drain",
    "paasta_execute_docker_command",
    "paasta_serviceinit",
)


@pytest.mark.parametrize("name", SCRIPTS)
def test_installed_script_answers_help(name):
    path = VENV_BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed in {VENV_BIN} (pip install -e .)")
    result = subprocess.run([str(path), "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {name}")


def test_bin_launcher_runs_the_script(tmp_path):
    soa = tmp_path / "soa"
    (soa / "svc").mkdir(parents=True)
    (soa / "svc" / "smartstack.yaml").write_text("main:\n  proxy_port: 20001\n")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "synapse_srv_namespaces_fact.py"), "-d", str(soa)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert (result.returncode, result.stdout) == (0, "synapse_srv_namespaces=svc.main:20001\n"), result.stderr
