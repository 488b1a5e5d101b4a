"""The installed Chronos commands run as subprocesses against an in-process devcluster."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.devcluster import write_devcluster_system_config

BIN = Path(sys.executable).parent
SHA = "4f2ab6d1c0e5e5d6c2a1b0f9e8d7c6b5a4f3e2d1"
LATER = "R/2099-01-01T00:00:00Z/P1D"
SCRIPTS = (
    "setup_chronos_job",
    "deploy_chronos_jobs",
    "list_chronos_jobs",
    "cleanup_chronos_jobs",
    "check_chronos_jobs",
    "chronos_rerun",
)


def run(command: str, *args: str, etc: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PAASTA_SYSTEM_CONFIG_DIR"}
    if etc is not None:
        env["PAASTA_SYSTEM_CONFIG_DIR"] = str(etc)
    return subprocess.run([str(BIN / command), *args], capture_output=True, text=True, timeout=60, env=env)


def write_service(soa_dir: Path, service: str, jobs: dict) -> None:
    directory = soa_dir / service
    directory.mkdir(parents=True)
    (directory / "chronos-devcluster.yaml").write_text(yaml.safe_dump(jobs))
    image = f"services-{service}:paasta-{SHA}"
    v1 = {
        f"{service}:paasta-devcluster.{job}": {"docker_image": image, "desired_state": "start", "force_bounce": None}
        for job in jobs
    }
    (directory / "deployments.json").write_text(json.dumps({"v1": v1}))


@pytest.fixture
def cluster(devcluster_factory, tmp_path: Path):
    running = devcluster_factory(apis=("chronos",))
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True)
    etc = write_devcluster_system_config(tmp_path / "etc", running)
    soa_dir = tmp_path / "soa"
    soa_dir.mkdir()
    return etc, soa_dir


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_script_answers_help_under_both_names(name: str) -> None:
    for command in (name, f"paasta_{name}"):
        result = run(command, "--help")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("usage: ")


def test_deploy_list_check_and_cleanup_as_cron_would_run_them(cluster) -> None:
    etc, soa_dir = cluster
    write_service(soa_dir, "svc", {"a": {"schedule": LATER, "cmd": "true"}, "b": {"parents": ["svc.a"], "cmd": "true"}})
    listed = run("list_chronos_jobs", "-d", str(soa_dir), etc=etc)
    assert (listed.returncode, listed.stdout) == (0, "svc.a\nsvc.b\n")
    deployed = run("deploy_chronos_jobs", "-d", str(soa_dir), etc=etc)
    assert (deployed.returncode, deployed.stdout) == (0, "Created Chronos job: svc.a\nCreated Chronos job: svc.b\n")
    again = run("paasta_deploy_chronos_jobs", "-d", str(soa_dir), etc=etc)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    setup = run("setup_chronos_job", "-d", str(soa_dir), "-v", "svc.a", etc=etc)
    assert (setup.returncode, setup.stdout) == (0, "svc.a: All chronos bouncing tasks finished.\n")
    checked = run("check_chronos_jobs", "-d", str(soa_dir), "-v", etc=etc)
    assert checked.returncode == 0
    assert checked.stdout == "svc.a: Job svc.a has not run yet\nsvc.b: Job svc.b has not run yet\n"
    (soa_dir / "svc" / "chronos-devcluster.yaml").write_text(yaml.safe_dump({"a": {"schedule": LATER, "cmd": "true"}}))
    cleaned = run("cleanup_chronos_jobs", "-d", str(soa_dir), etc=etc)
    assert cleaned.returncode == 0
    assert cleaned.stdout == (
        "Successfully Removed Tasks (if any were running) for:\n  svc b\nSuccessfully Removed Jobs:\n  svc b\n"
    )


def test_bad_input_gives_clear_errors_and_no_traceback(cluster, tmp_path: Path) -> None:
    etc, soa_dir = cluster
    write_service(
        soa_dir,
        "svc",
        {
            "cron": {"schedule": "61 * * * *", "cmd": "true"},
            "nostart": {"schedule": "R//PT1H", "cmd": "true"},
            "tz": {"schedule": LATER, "schedule_time_zone": "America/Las_Angeles", "cmd": "true"},
            "orphan": {"parents": ["other.gone"], "cmd": "true"},
            "cmd": {"schedule": LATER, "cmd": "echo 100%"},
        },
    )
    result = run("deploy_chronos_jobs", "-d", str(soa_dir), etc=etc)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "svc.nostart: chronos-devcluster.yaml, instance 'nostart', key 'schedule': schedule 'R//PT1H' has no start"
        in (result.stderr)
    )
    assert "schedule_time_zone 'America/Las_Angeles' is not a tz database time zone name; did you mean" in result.stderr
    assert "svc.orphan: Could not set up Chronos job svc orphan: its parent 'other gone' is neither" in result.stderr
    assert "Hint: do you need to escape % chars?" in result.stderr
    assert "svc.cron: chronos-devcluster.yaml, instance 'cron', key 'schedule'" in result.stderr

    missing = run("deploy_chronos_jobs", "-d", str(soa_dir), etc=tmp_path / "no-such-dir")
    assert missing.returncode == 1
    assert missing.stderr.startswith("deploy_chronos_jobs: Could not find system paasta configuration directory")

    rerun = run("chronos_rerun", "-d", str(soa_dir), "svc cmd", "2016-13-01T00:00:00", etc=etc)
    assert rerun.returncode == 2 and "Traceback" not in rerun.stderr
    assert "'2016-13-01T00:00:00' is not a valid execution date" in rerun.stderr
    paasta = run("paasta", "rerun", "-s", "svc", "-i", "cmd", "-y", str(soa_dir), "-d", "yesterday", etc=etc)
    assert paasta.returncode == 1 and "Traceback" not in paasta.stderr
    assert "Argument parse error: argument -d/--execution_date: 'yesterday' is not a valid execution date" in (
        paasta.stderr
    )
