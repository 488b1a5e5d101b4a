"""Benchmark: deploy_chronos_jobs over 500 Chronos jobs on a devcluster (no-op executor).

Starts an in-process devcluster serving the Chronos 2.x API, writes 50 services x 10 jobs (every job
but the first of a service depends on the first), deploys them once, then measures

* a run with no change: Chronos API calls (HTTP requests counted in the client's transport; target <= 2)
  and wall time, in-process and as a subprocess;
* a run after changing 10 jobs: exactly those 10 are written.

Upstream's cron ran ``list_chronos_jobs | xargs setup_chronos_job``: one process and at least one
job-list call per job, so 500 calls for this cluster.

Usage: ``python benchmarks/bench_chronos_jobs.py [--services N] [--jobs M]``; exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.support import start_devcluster, timed, timed_subprocess, write_deployments  # noqa: E402

CALLS_TARGET = 2
CHANGED = 10
SHA = "c" * 40
LATER = "R/2099-01-01T00:00:00Z/P1D"


def write_services(soa_dir: Path, services: int, jobs: int, changed: frozenset[str] = frozenset()) -> None:
    """``svcNNN`` services with jobs ``jNN``; ``j00`` is scheduled, the others depend on it."""
    for s in range(services):
        service = f"svc{s:03d}"
        directory = soa_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        configs = {}
        for j in range(jobs):
            name = f"j{j:02d}"
            cmd = "echo v2" if f"{service}.{name}" in changed else "echo v1"
            timing = {"schedule": LATER} if j == 0 else {"parents": [f"{service}.j00"]}
            configs[name] = {"cmd": cmd, "cpus": 0.01, "mem": 16, **timing}
        (directory / "service.yaml").write_text("description: bench\n")
        (directory / "monitoring.yaml").write_text("team: bench\n")
        (directory / "chronos-devcluster.yaml").write_text(yaml.safe_dump(configs))
        write_deployments(directory, service, configs, SHA)


class RequestCounter:
    """Counts the HTTP requests chronos-python sends (it makes one httplib2 request per API call)."""

    def __init__(self) -> None:
        import httplib2

        self.requests: list[tuple[str, str]] = []
        original = httplib2.Http.request

        def counted(http, uri, method="GET", *args, **kwargs):
            self.requests.append((method, uri.split("/", 3)[-1]))
            return original(http, uri, method, *args, **kwargs)

        httplib2.Http.request = counted

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method != "GET"]


def run_in_process(soa_dir: Path) -> tuple[int, float]:
    from paasta_tools.scripts import deploy_chronos_jobs

    return timed(lambda: deploy_chronos_jobs.main(["-d", str(soa_dir)]))


def run_subprocess(soa_dir: Path) -> tuple[int, float]:
    return timed_subprocess([sys.executable, "-m", "paasta_tools.scripts.deploy_chronos_jobs", "-d", str(soa_dir)])


def measure(args: argparse.Namespace, work: Path) -> bool:
    from tests.support.devcluster import write_devcluster_system_config

    running = start_devcluster(work, ("chronos",))
    try:
        os.environ["PAASTA_SYSTEM_CONFIG_DIR"] = str(write_devcluster_system_config(work / "etc_paasta", running))
        (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
        soa_dir = work / "soa"
        total = args.services * args.jobs
        write_services(soa_dir, args.services, args.jobs)
        counter = RequestCounter()
        sys.stdout = open(os.devnull, "w")  # the initial deploy prints one line per created job
        try:
            code, seconds = run_in_process(soa_dir)
        finally:
            sys.stdout.close()
            sys.stdout = sys.__stdout__
        print(f"initial deploy of {total} jobs: exit {code}, {seconds:.2f} s, {len(counter.writes())} writes")
        counter.requests.clear()
        code, seconds = run_in_process(soa_dir)
        calls = len(counter.requests)
        print(f"no change, in-process:  exit {code}, {seconds:.3f} s, {calls} Chronos API calls {counter.requests}")
        print(f"  (upstream: {total} setup_chronos_job processes, >= {total} job-list calls)")
        ok = code == 0 and calls <= CALLS_TARGET
        code, sub_seconds = run_subprocess(soa_dir)
        print(f"no change, subprocess:  exit {code}, {sub_seconds:.3f} s")
        ok = ok and code == 0
        changed = frozenset(f"svc{s:03d}.j01" for s in range(CHANGED))
        write_services(soa_dir, args.services, args.jobs, changed)
        counter.requests.clear()
        code, seconds = run_in_process(soa_dir)
        writes = counter.writes()
        print(f"{CHANGED} changed, in-process: exit {code}, {seconds:.3f} s, {len(writes)} writes")
        return ok and code == 0 and len(writes) == CHANGED
    finally:
        running.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-chronos-") as tmp:
        ok = measure(args, Path(tmp))
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
