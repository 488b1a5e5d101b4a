"""The installed ``paasta remote-run`` as a subprocess against an in-process devcluster: a run, and Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from paasta_tools.clients.chronos_client import get_chronos_client
from tests.support.devcluster import write_devcluster_system_config
from tests.support.waiting import wait_for

BIN = Path(sys.executable).parent
SHA = "4f2ab6d1c0e5e5d6c2a1b0f9e8d7c6b5a4f3e2d1"


@pytest.fixture
def cluster(devcluster_factory, tmp_path: Path):
    running = devcluster_factory(executor="process", apis=("chronos", "mesos"))
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True)
    etc = write_devcluster_system_config(tmp_path / "etc", running)
    service = tmp_path / "soa" / "svc"
    service.mkdir(parents=True)
    adhoc = {"remote": {"cmd": "echo started; sleep 30; echo never"}, "quick": {"cmd": "echo quick run"}}
    (service / "adhoc-devcluster.yaml").write_text(yaml.safe_dump(adhoc))
    deployments = {
        f"devcluster.{name}": {"docker_image": f"services-svc:paasta-{SHA}", "git_sha": SHA} for name in adhoc
    }
    (service / "deployments.json").write_text(json.dumps({"v2": {"deployments": deployments, "controls": {}}}))
    return running, etc, tmp_path / "soa"


def command(etc: Path, soa_dir: Path, *extra: str) -> list[str]:
    return [str(BIN / "paasta"), "remote-run", "-s", "svc", "-y", str(soa_dir), *extra]


def environment(etc: Path) -> dict[str, str]:
    return {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(etc), "PYTHONUNBUFFERED": "1"}


def tmp_jobs(running) -> list[str]:
    client = get_chronos_client([running.chronos_url])
    return [job["name"] for job in client.list() if job["name"].startswith("tmp-")]


def test_remote_run_prints_the_output_and_exits_0(cluster) -> None:
    running, etc, soa_dir = cluster
    done = subprocess.run(
        command(etc, soa_dir, "-i", "quick"), capture_output=True, text=True, timeout=60, env=environment(etc)
    )
    assert done.returncode == 0, done.stderr
    assert "quick run\n" in done.stdout
    assert tmp_jobs(running) == []


class LineReader:
    """A pipe read by a thread, so waiting for a line has a deadline instead of blocking the test."""

    def __init__(self, pipe: Any) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe: Any) -> None:
        for line in iter(pipe.readline, ""):
            self.lines.put(line)

    def until(self, text: str, timeout: float) -> str:
        """The lines read until one holds ``text`` (or ``timeout`` seconds passed)."""
        seen, deadline = "", time.monotonic() + timeout
        while text not in seen and (remaining := deadline - time.monotonic()) > 0:
            try:
                seen += self.lines.get(timeout=remaining)
            except queue.Empty:
                break
        return seen

    def rest(self, timeout: float) -> str:
        """The remaining lines, once the pipe is closed."""
        self.thread.join(timeout)
        return "".join(self.lines.get_nowait() for _ in range(self.lines.qsize()))


def test_ctrl_c_kills_the_task_and_deletes_the_job(cluster) -> None:
    running, etc, soa_dir = cluster
    process = subprocess.Popen(
        command(etc, soa_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(etc)
    )
    stdout = LineReader(process.stdout)
    try:
        seen = stdout.until("started", timeout=30)
        assert "started" in seen
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        out, err = seen + stdout.rest(timeout=10), process.stderr.read()
    finally:
        process.kill()
    assert process.returncode == 1
    assert "Interrupted: the task of 'tmp-" in err
    assert "Deleted the temporary job 'tmp-" in out
    assert "never" not in out
    assert tmp_jobs(running) == []
    chronos = running.cluster.frameworks["chronos"]

    def tmp_runs() -> list[str]:
        return [run.state for run in chronos.state.recent_runs(10) if run.job.startswith("tmp-")]

    assert wait_for(tmp_runs, timeout=10) == ["TASK_KILLED"]
