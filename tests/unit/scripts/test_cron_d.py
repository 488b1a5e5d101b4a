"""yelp_package/cron.d: the reference cron schedule names installed scripts with flags they accept,
each job under flock, leader-gated where upstream's was, at upstream's frequencies."""

from __future__ import annotations

import ast
import importlib.util
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CRON_D = ROOT / "yelp_package" / "cron.d"
SHELL_TOOLS = {"sleep", "flock", "logger"}
EXPECTED = {
    # file: (script, runs per minute or the cron minute field ("*/N", "20"), leader gated)
    "deploy_marathon_services": ("deploy_marathon_services", 3, True),
    "deploy_chronos_jobs": ("deploy_chronos_jobs", 6, True),
    "paasta_generate_all_deployments": ("generate_all_deployments", 6, False),
    "cleanup_marathon_jobs": ("cleanup_marathon_jobs", "*/20", True),
    "cleanup_chronos_jobs": ("cleanup_chronos_jobs", "*/20", True),
    "autoscale_all_services": ("autoscale_all_services", "*/5", True),
    "delete_old_marathon_deployments": ("delete_old_marathon_deployments", "20", True),  # hourly at :20
}


def _scripts() -> dict[str, str]:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "SCRIPTS":
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py has no SCRIPTS dict")


def _jobs(path: Path) -> list[tuple[list[str], str, str]]:
    """(time fields, user, command) of every job line."""
    jobs = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        fields = line.split(None, 6)
        assert len(fields) == 7, f"{path.name}: not a cron.d job line: {line!r}"
        jobs.append((fields[:5], fields[5], fields[6]))
    return jobs


def _simple_commands(command: str) -> list[list[str]]:
    """The words of each simple command of a job line, redirections left out."""
    parts = [shlex.split(part) for part in re.split(r"\s*(?:&&|;|\|)\s*", command) if part.strip()]
    return [[word for word in words if not re.match(r"^\d*[<>]", word)] for words in parts]


def test_the_files_are_the_expected_ones_and_cron_reads_them():
    assert sorted(p.name for p in CRON_D.iterdir()) == sorted(EXPECTED)
    for path in CRON_D.iterdir():
        assert "." not in path.name  # cron skips files with dots in their names
        assert path.read_text().endswith("\n")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_job_runs_its_script_under_flock_at_upstreams_frequency(name):
    script, per_minute, leader_gated = EXPECTED[name]
    jobs = _jobs(CRON_D / name)
    offsets = []
    for _times, user, command in jobs:
        assert user == "root"
        words = _simple_commands(command)
        programs = [w[0] for w in words]
        assert set(programs) <= SHELL_TOOLS | set(_scripts()), programs
        flock = next(w for w in words if w[0] == "flock")
        assert flock[1:3] == ["-n", f"/var/lock/cron_{script}.lock"] and flock[3] == script
        assert ("am_i_mesos_leader" in programs) is leader_gated
        if leader_gated:
            assert programs.index("am_i_mesos_leader") < programs.index("flock")
        sleep = next((w for w in words if w[0] == "sleep"), ["sleep", "0"])
        offsets.append(int(sleep[1]))
    if isinstance(per_minute, str):
        assert [times for times, _, _ in jobs] == [[per_minute, "*", "*", "*", "*"]]
    else:
        assert all(times == ["*"] * 5 for times, _, _ in jobs)
        assert offsets == [n * 60 // per_minute for n in range(per_minute)]


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate_commands", ROOT / "docs" / "generate_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_scripts_accept_the_flags_given(name, generator):
    scripts = _scripts()
    for _, _, command in _jobs(CRON_D / name):
        for words in _simple_commands(command):
            program = words[0]
            if program == "flock":
                program, words = words[3], words[3:]
            if program in scripts:
                parser = generator.script_parser(scripts[program], program)
                parser.parse_args(words[1:])
