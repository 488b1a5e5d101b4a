"""Benchmark: deploy_marathon_services over 1,000 Marathon instances on a devcluster (no-op executor).

Starts a real ZooKeeper and an in-process devcluster, writes 100 services x 10 instances, deploys
them once, then measures

* a run with no change: Marathon API calls (counted server-side; target <= 3) and wall time
  (in-process and as a subprocess; target <= 2 s for the in-process run);
* a run after changing 10 instances: the writes must concern those 10 instances only.

Usage: ``python benchmarks/bench_deploy_marathon_services.py [--services N] [--instances M]``;
exit 1 when a target is missed.
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

from benchmarks.support import (  # noqa: E402
    free_port,
    start_devcluster,
    timed,
    timed_subprocess,
    write_deployments,
)

CALLS_TARGET = 3
WALL_TARGET_S = 2.0
CHANGED = 10
SHA = "b" * 40
INSTANCE = {"instances": 1, "cpus": 0.001, "mem": 1, "disk": 1, "cmd": "sleep 3600"}


def write_services(soa_dir: Path, services: int, instances: int, changed: set[str] = frozenset()) -> None:
    """``svcNNN`` services with ``iNN`` instances; an instance in ``changed`` gets a new env (new app id)."""
    for s in range(services):
        service = f"svc{s:03d}"
        directory = soa_dir / service
        directory.mkdir(parents=True, exist_ok=True)
        configs = {}
        for i in range(instances):
            name = f"i{i:02d}"
            configs[name] = {**INSTANCE, "env": {"V": "2"}} if f"{service}.{name}" in changed else dict(INSTANCE)
        (directory / "service.yaml").write_text("description: bench\n")
        (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump(configs))
        write_deployments(directory, service, configs, SHA)


def run_in_process(soa_dir: Path, jobs: int = 1) -> tuple[int, float]:
    from paasta_tools.scripts import deploy_marathon_services

    return timed(lambda: deploy_marathon_services.main(["-d", str(soa_dir), "-j", str(jobs)]))


def run_subprocess(soa_dir: Path) -> tuple[int, float]:
    return timed_subprocess([str(Path(sys.executable).parent / "deploy_marathon_services"), "-d", str(soa_dir)])


def instances_with_two_apps(marathon_url: str) -> set[str]:
    import requests

    apps = requests.get(f"{marathon_url}/v2/apps", timeout=30).json()["apps"]
    counts: dict[str, int] = {}
    for app in apps:
        short = ".".join(app["id"].lstrip("/").split(".")[:2])
        counts[short] = counts.get(short, 0) + 1
    return {name for name, count in counts.items() if count == 2}


def start_zookeeper(work: Path):
    from paasta_tools.devcluster import components

    missing = components.missing_zookeeper()
    if missing:
        sys.exit(f"cannot run: {missing}")
    component = components.zookeeper_component(work / "zookeeper", free_port())
    process = components.start(component)
    components.wait_ready(component, process)
    return component, process


def measure(args: argparse.Namespace, work: Path) -> bool:
    from paasta_tools.devcluster.faults import injector_for
    from tests.support.devcluster import write_devcluster_system_config

    running = start_devcluster(work, ("marathon",), port_range=(20000, 40000))
    zk_component, zk_process = start_zookeeper(work)
    try:
        config_dir = write_devcluster_system_config(work / "etc_paasta", running, zookeeper_port=zk_component.port)
        (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
        os.environ["PAASTA_SYSTEM_CONFIG_DIR"] = str(config_dir)
        soa_dir = work / "soa"
        total = args.services * args.instances
        write_services(soa_dir, args.services, args.instances)
        injector = injector_for(running.cluster)
        code, seconds = run_in_process(soa_dir, jobs=4)
        writes = len(injector.writes())
        print(f"initial deploy of {total} instances (-j 4): exit {code}, {seconds:.1f} s, {writes} writes")
        injector.reset_counts()
        code, seconds = run_in_process(soa_dir)
        calls = len(injector.requests)
        print(f"no change, in-process:  exit {code}, {seconds:.3f} s, {calls} Marathon API calls")
        ok = code == 0 and calls <= CALLS_TARGET and seconds <= WALL_TARGET_S
        injector.reset_counts()
        code, sub_seconds = run_subprocess(soa_dir)
        print(f"no change, subprocess:  exit {code}, {sub_seconds:.3f} s, {len(injector.requests)} Marathon API calls")
        changed = {f"svc{s:03d}.i00" for s in range(CHANGED)}
        write_services(soa_dir, args.services, args.instances, changed)
        injector.reset_counts()
        code, seconds = run_in_process(soa_dir)
        writes = injector.writes()
        print(f"{CHANGED} changed, in-process: exit {code}, {seconds:.3f} s, writes: {len(writes)}")
        for method, path in writes:
            print(f"    {method} {path}")
        bounced = instances_with_two_apps(running.marathon_url)
        print(f"    instances now running two apps (bouncing): {len(bounced)}")
        only_writes = all(w == ("POST", "/v2/apps") for w in writes) and len(writes) == CHANGED
        ok = ok and code == 0 and only_writes and bounced == changed
        return ok
    finally:
        running.stop()
        from paasta_tools.devcluster import components

        components.stop(zk_process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--instances", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dms-") as tmp:
        ok = measure(args, Path(tmp))
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
