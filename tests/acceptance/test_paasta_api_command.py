"""The installed ``paasta-api`` as a subprocess: it serves on 127.0.0.1, stops on SIGTERM, and refuses
a missing system config or a busy port with one line and exit 1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from paasta_tools import __version__
from tests.conftest import free_port
from tests.support.devcluster import write_devcluster_system_config
from tests.support.waiting import wait_for

BIN = Path(sys.executable).parent


def _env(etc: Path) -> dict[str, str]:
    return {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(etc)}


def test_serves_until_sigterm(devcluster_factory, tmp_path: Path) -> None:
    etc = write_devcluster_system_config(tmp_path / "etc", devcluster_factory())
    (tmp_path / "soa").mkdir()
    port = free_port()
    argv = [str(BIN / "paasta-api"), "-D", "-d", str(tmp_path / "soa"), str(port)]
    process = subprocess.Popen(argv, env=_env(etc), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:

        def version() -> object:
            try:
                return requests.get(f"http://127.0.0.1:{port}/v1/version", timeout=2).json()
            except requests.ConnectionError:
                return None

        assert wait_for(version, timeout=15) == __version__
        response = requests.get(f"http://127.0.0.1:{port}/v1/services/nope", timeout=5)
        assert response.status_code == 404 and "Service 'nope' does not exist" in response.json()["message"]
        busy = subprocess.run(
            [str(BIN / "paasta-api"), str(port)], env=_env(etc), capture_output=True, text=True, timeout=30
        )
        assert busy.returncode == 1
        assert busy.stderr.strip().splitlines()[-1].startswith(f"paasta-api: cannot listen on 127.0.0.1:{port}:")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "Traceback" not in output


def test_missing_system_config(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "paasta-api"), str(free_port())],
        env=_env(tmp_path / "nowhere"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("paasta-api: Could not find system paasta configuration directory:")
