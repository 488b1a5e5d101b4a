"""Devcluster Marathon figures (issue 4): list latency with 1,000 apps / 5,000 tasks, RSS with 10,000 tasks,
and 200 concurrent clients.  Uses the no-op executor, 127.0.0.1 only, stdlib + project only.

    .venv/bin/python benchmarks/bench_devcluster.py [--apps 1000] [--tasks-per-app 5] [--clients 200]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.devcluster.server import start_in_thread

LIST_TARGET_MS = 100.0
RSS_TARGET_MB = 1024.0
# Small enough that 10,000 tasks fit on any agent.
TINY = {"cpus": 0.0001, "mem": 0.01}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, method: str = "GET", body: object | None = None, timeout: float = 60.0) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_running(url: str, expected: int, timeout: float = 300.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        _, body = _request(f"{url}/v2/apps")
        running = sum(app["tasksRunning"] for app in json.loads(body)["apps"])
        if running >= expected:
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit(f"only some of {expected} tasks became running within {timeout:.0f}s")


def _create_apps(url: str, apps: int, instances: int) -> None:
    for index in range(apps):
        body = {"id": f"/bench/app{index:04d}", "cmd": "sleep 3600", "instances": instances, **TINY}
        status, payload = _request(f"{url}/v2/apps", "POST", body)
        if status != 201:
            raise SystemExit(f"creating app {index} failed: HTTP {status} {payload[:200]!r}")


def _scale_apps(url: str, apps: int, instances: int) -> None:
    for index in range(apps):
        status, payload = _request(f"{url}/v2/apps/bench/app{index:04d}?force=true", "PUT", {"instances": instances})
        if status != 200:
            raise SystemExit(f"scaling app {index} failed: HTTP {status} {payload[:200]!r}")


def _list_latency_ms(url: str, rounds: int = 10) -> tuple[float, int]:
    timings = []
    size = 0
    for _ in range(rounds):
        started = time.perf_counter()
        _, body = _request(f"{url}/v2/apps?embed=apps.tasks")
        timings.append((time.perf_counter() - started) * 1000)
        size = len(body)
    return statistics.median(timings), size


def _concurrent_clients(url: str, clients: int, requests_each: int) -> tuple[int, int, float]:
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    paths = ["/v2/apps/bench/app0001", "/v2/tasks", "/v2/deployments", "/v2/queue", "/ping", "/v2/info"]

    def worker(number: int) -> None:
        for round_ in range(requests_each):
            path = paths[(number + round_) % len(paths)]
            try:
                status, _ = _request(url + path, timeout=120)
            except OSError as exc:
                with lock:
                    errors.append(f"{path}: {exc}")
                continue
            with lock:
                done[0] += 1
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0], len(errors), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--tasks-per-app", type=int, default=5)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests-per-client", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = DevclusterSettings(
            data_dir=Path(data_dir),
            marathon_port=_free_port(),
            chronos_port=_free_port(),
            mesos_port=_free_port(),
            port_range=(20000, 60000),
        )
        handle = start_in_thread(Cluster(settings, NoopExecutor()), apis=("marathon",))
        url = handle.marathon_url
        try:
            return _run(url, args)
        finally:
            handle.stop()


def _run(url: str, args: argparse.Namespace) -> int:
    tasks = args.apps * args.tasks_per_app
    started = time.monotonic()
    _create_apps(url, args.apps, args.tasks_per_app)
    print(f"created {args.apps} apps in {time.monotonic() - started:.1f}s")
    print(f"{tasks} tasks running after {_wait_running(url, tasks):.1f}s more")
    latency, size = _list_latency_ms(url)
    verdict = "ok" if latency <= LIST_TARGET_MS else "SLOW"
    print(f"GET /v2/apps?embed=apps.tasks: median {latency:.1f} ms ({size / 1e6:.1f} MB) target <= 100 ms: {verdict}")
    _scale_apps(url, args.apps, args.tasks_per_app * 2)
    _wait_running(url, tasks * 2)
    rss = _rss_mb()
    verdict = "ok" if rss <= RSS_TARGET_MB else "TOO BIG"
    print(f"RSS with {tasks * 2} tasks: {rss:.0f} MiB (devcluster in this process) target <= 1024 MiB: {verdict}")
    done, errors, elapsed = _concurrent_clients(url, args.clients, args.requests_per_client)
    print(f"{args.clients} concurrent clients: {done} requests in {elapsed:.1f}s, {errors} errors")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
