"""Foundation benchmark: CLI start-up and generate_deployments_for_service on a big tag set.

Prints one table with the median of N runs of

* ``python -c pass`` (the interpreter floor) and ``paasta --help`` (target: at most 2x the floor);
* ``generate_deployments_for_service`` on a generated service with 50 instances in 20 deploy
  groups whose git repository holds 2,000 deploy tags (target: at most 150 ms), both when it
  writes deployments.json and when the file is already up to date.

Usage: ``python benchmarks/bench_foundation.py [--runs N]``; exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
TAGS = 2000
GROUPS = 20
INSTANCES = 50
COMMITS = 100
HELP_RATIO_TARGET = 2.0
GENERATE_TARGET_S = 0.150
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(*args: str, stdin: str | None = None) -> str:
    proc = subprocess.run(["git", *args], input=stdin, env=GIT_ENV, capture_output=True, text=True, check=True)
    return proc.stdout


def make_repo(path: Path) -> list[str]:
    """A bare repo with COMMITS commits on master and TAGS deploy tags spread over GROUPS groups."""
    git("init", "-q", "--bare", str(path))
    script = []
    for n in range(COMMITS):
        message = f"commit {n}"
        script.append(f"commit refs/heads/master\nmark :{n + 1}")
        script.append(f"committer bench <b@example.com> {1490000000 + n} +0000")
        script.append(f"data {len(message)}\n{message}")
        script.append(f"M 644 inline file\ndata {len(str(n))}\n{n}\n")
    git("--git-dir", str(path), "fast-import", "--quiet", stdin="\n".join(script) + "\n")
    shas = git("--git-dir", str(path), "rev-list", "--reverse", "master").split()
    updates = []
    for n in range(TAGS):
        group = f"group{n % GROUPS}.everywhere"
        day, second = divmod(n // GROUPS, 86400)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(1490000000 + day * 86400 + second * 60))
        updates.append(f"create refs/tags/paasta-{group}-{stamp}-deploy {shas[n % len(shas)]}")
    git("--git-dir", str(path), "update-ref", "--stdin", stdin="\n".join(updates) + "\n")
    git("--git-dir", str(path), "pack-refs", "--all")
    return shas


def make_soa_dir(soa_dir: Path, git_url: Path) -> None:
    """Service ``bench`` with INSTANCES instances (4/5 marathon, 1/5 chronos) over 5 clusters."""
    service = soa_dir / "bench"
    service.mkdir(parents=True)
    (service / "service.yaml").write_text(f"git_url: {git_url}\n")
    files: dict[str, list[str]] = {}
    for n in range(INSTANCES):
        kind = "chronos" if n % 5 == 4 else "marathon"
        name = f"{kind}-cluster{n % 5}.yaml"
        extra = "  schedule: R/2017-01-01T00:00:00Z/PT1H\n  cmd: run\n" if kind == "chronos" else ""
        files.setdefault(name, []).append(f"inst{n}:\n  deploy_group: group{n % GROUPS}.everywhere\n{extra}")
    for name, entries in files.items():
        (service / name).write_text("".join(entries))


# Measure an installed tool as it runs day to day: with bytecode caches (an environment may set
# PYTHONDONTWRITEBYTECODE, which would recompile every module of the project on every run).
RUN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], runs: int, before: Callable[[], None] | None = None) -> tuple[float, float]:
    """Median wall-clock and median CPU (user + system, git children included) seconds of ``command``.

    One untimed warm-up run comes first (it writes the bytecode caches).
    """
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=RUN_ENV, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=RUN_ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited with {proc.returncode}")
        cpus.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def run(runs: int) -> int:
    floor = measure([sys.executable, "-c", "pass"], runs)
    paasta_help = measure([str(BIN / "paasta"), "--help"], runs)
    with tempfile.TemporaryDirectory(prefix="bench-foundation-") as tmp:
        repo, soa_dir = Path(tmp) / "bench.git", Path(tmp) / "soa"
        make_repo(repo)
        make_soa_dir(soa_dir, repo)
        command = [str(BIN / "generate_deployments_for_service"), "-d", str(soa_dir), "-s", "bench"]
        target = soa_dir / "bench" / "deployments.json"
        written = measure(command, runs, before=lambda: target.unlink(missing_ok=True))
        unchanged = measure(command, runs)
    ratio = paasta_help[0] / floor[0]
    rows = [
        ("python -c pass (floor)", floor, "", None),
        ("paasta --help", paasta_help, f"{ratio:.2f}x floor, <= {HELP_RATIO_TARGET:g}x", ratio <= HELP_RATIO_TARGET),
        ("generate_deployments (writes)", written, "<= 150 ms", written[0] <= GENERATE_TARGET_S),
        ("generate_deployments (unchanged)", unchanged, "<= 150 ms", unchanged[0] <= GENERATE_TARGET_S),
    ]
    print(f"bench_foundation: median of {runs} runs; {TAGS} deploy tags, {GROUPS} groups, {INSTANCES} instances")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (wall times grow with load; CPU less so)")
    print(f"{'measure':<34} {'wall':>8} {'cpu':>8}  {'target (wall)':<26} result")
    for name, (wall, cpu), goal, met in rows:
        verdict = "" if met is None else ("ok" if met else "MISSED")
        print(f"{name:<34} {wall * 1000:>5.0f} ms {cpu * 1000:>5.0f} ms  {goal:<26} {verdict}")
    return 0 if all(met is not False for *_, met in rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="runs per measurement (median reported)")
    return run(parser.parse_args(argv).runs)


if __name__ == "__main__":
    sys.exit(main())
