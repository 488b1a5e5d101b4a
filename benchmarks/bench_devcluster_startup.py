"""How fast ``paasta-devcluster up`` answers (issue 4: "starts in well under a second").

Runs ``up`` then ``down`` a few times on free 127.0.0.1 ports in a temporary data dir and prints the
median time from launching ``up`` to its return (the APIs answer at that point), per executor, and
the time until ZooKeeper answers ``ruok`` when it is installed.

    .venv/bin/python benchmarks/bench_devcluster_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paasta_tools.devcluster import components

TARGET_SECONDS = 1.0
COMMAND = [sys.executable, "-m", "paasta_tools.devcluster"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _up(data_dir: Path, executor: str, zookeeper_port: int | None) -> float:
    ports = [f"--{name}-port={_free_port()}" for name in ("marathon", "chronos", "mesos")]
    extra = [f"--zookeeper-port={zookeeper_port}"] if zookeeper_port else ["--no-zookeeper"]
    argv = [*COMMAND, "--data-dir", str(data_dir), "up", "--executor", executor, "--no-registry", *ports, *extra]
    started = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - started


def _down(data_dir: Path) -> None:
    subprocess.run([*COMMAND, "--data-dir", str(data_dir), "down"], check=True, capture_output=True)


def measure(executor: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            times.append(_up(Path(tmp), executor, None))
            _down(Path(tmp))
    return statistics.median(times)


def zookeeper_seconds() -> float | None:
    if components.missing_zookeeper():
        return None
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        _up(Path(tmp), "noop", port)
        while not components.zookeeper_ready(port):
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        _down(Path(tmp))
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"load average: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    worst = 0.0
    for executor in ("noop", "process", "auto"):
        seconds = measure(executor, runs)
        worst = max(worst, seconds)
        print(f"paasta-devcluster up --executor {executor:<8} median {seconds:.3f} s over {runs} runs")
    zk = zookeeper_seconds()
    print("ZooKeeper not installed" if zk is None else f"up until ZooKeeper answers ruok: {zk:.3f} s")
    verdict = "ok" if worst <= TARGET_SECONDS else "SLOWER than"
    print(f"target: {TARGET_SECONDS:.1f} s -> {verdict}")
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
