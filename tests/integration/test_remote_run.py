"""``paasta remote-run`` on a devcluster: the adhoc instance runs once as a temporary Chronos job.

deployments.json comes from the real mark-for-deployment and generate_deployments_for_service over a real git
repository; the task runs as a local process and its output is read back from its Mesos sandbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from paasta_tools.cli.cli import main as paasta
from paasta_tools.clients.chronos_client import get_chronos_client
from paasta_tools.scripts.generate_deployments_for_service import main as generate
from tests.support.devcluster import write_devcluster_system_config
from tests.support.git_repos import make_bare_repo

ADHOC = {
    "remote": {"cmd": "echo first line; echo 'second line'; echo to stderr >&2", "deploy_group": "{cluster}.all"},
    "fails": {"cmd": "echo about to fail; exit 3", "deploy_group": "{cluster}.all"},
    "undeployed": {"cmd": "true", "deploy_group": "prod.never"},
    "huge": {"cmd": "true", "cpus": 1e308, "deploy_group": "{cluster}.all"},
}


@pytest.fixture
def cluster(devcluster_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A devcluster running Chronos tasks as processes, and ``svc`` deployed to ``devcluster.all``."""
    running = devcluster_factory(executor="process", apis=("chronos", "mesos"))
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True, exist_ok=True)
    etc = write_devcluster_system_config(tmp_path / "etc_paasta", running)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    soa_dir = tmp_path / "soa"
    bare, shas = make_bare_repo(tmp_path / "git", commits=1)
    directory = soa_dir / "svc"
    directory.mkdir(parents=True)
    (directory / "service.yaml").write_text(f"git_url: {bare}\n")
    (directory / "monitoring.yaml").write_text("team: batch\n")
    (directory / "adhoc-devcluster.yaml").write_text(yaml.safe_dump(ADHOC))
    marathon = {"main": {"cmd": "echo served by main", "instances": 3, "deploy_group": "{cluster}.all"}}
    (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump(marathon))
    marked = ["mark-for-deployment", "-s", "svc", "-l", "devcluster.all", "-c", shas[0], "-d", str(soa_dir)]
    assert paasta(marked) == 0
    assert generate(["-d", str(soa_dir), "-s", "svc"]) == 0
    running.soa_dir = soa_dir
    running.client = get_chronos_client([running.chronos_url])
    return running


def remote_run(cluster, capsys, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = paasta(["remote-run", "-s", "svc", "-y", str(cluster.soa_dir), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def tmp_jobs(cluster) -> list[str]:
    return [job["name"] for job in cluster.client.list() if job["name"].startswith("tmp-")]


def test_the_remote_instance_runs_its_output_is_printed_and_the_job_is_deleted(cluster, capsys) -> None:
    code, out, err = remote_run(cluster, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Running svc.remote on cluster devcluster as the temporary Chronos job 'tmp-")
    assert lines[0].endswith(f" svc remote' ({cluster.chronos_url})")
    assert "first line\nsecond line\n" in out
    assert "to stderr\n" in err
    states = [line.split(": ", 1)[1].split(" on ")[0] for line in lines if line.startswith("Task ct:")]
    assert states[-1] == "TASK_FINISHED" and states[:-1] in ([], ["TASK_RUNNING"])  # a quick task may end unseen
    assert out.index("second line") < out.index(": TASK_FINISHED")
    assert lines[-1].startswith("Deleted the temporary job 'tmp-")
    assert tmp_jobs(cluster) == []


def test_a_failing_task_exits_1_and_its_job_is_deleted(cluster, capsys) -> None:
    code, out, _ = remote_run(cluster, capsys, "-i", "fails")
    assert code == 1
    assert "about to fail\n" in out
    assert any(line.startswith("Task ct:") and ": TASK_FAILED" in line for line in out.splitlines())
    assert tmp_jobs(cluster) == []


def test_cmd_overrides_the_instance_command_and_runs_verbatim(cluster, capsys) -> None:
    code, out, _ = remote_run(cluster, capsys, "-c", "devcluster", "-C", "echo 100% custom")
    assert code == 0
    assert "100% custom\n" in out
    assert "first line" not in out


def test_a_marathon_instance_runs_once_with_its_own_command(cluster, capsys) -> None:
    code, out, err = remote_run(cluster, capsys, "-i", "main")
    assert code == 0, err
    assert out.splitlines()[0].startswith("Running svc.main on cluster devcluster as the temporary Chronos job")
    assert "served by main\n" in out
    assert tmp_jobs(cluster) == []


def test_a_task_that_cannot_start_is_killed_after_the_staging_timeout(cluster, capsys) -> None:
    code, out, err = remote_run(cluster, capsys, "-t", "1", "-X", "pool,EQUALS,nowhere")
    assert code == 1
    assert "did not start running on cluster devcluster within 1s (-t/--staging-timeout)" in err
    assert "Task ct:" not in out
    assert tmp_jobs(cluster) == []
    chronos = cluster.cluster.frameworks["chronos"]
    assert [task for task in chronos.state.tasks.values() if task.job.startswith("tmp-")] == []


def test_dry_run_prints_the_job_and_adds_nothing(cluster, capsys) -> None:
    code, out, _ = remote_run(cluster, capsys, "-d", "--json-dict", "-X", "region,LIKE,dev.*")
    assert code == 0
    assert len(out.strip().splitlines()) == 1
    job = json.loads(out)
    assert job["name"].endswith(" svc remote") and job["name"].startswith("tmp-")
    assert job["schedule"] == "R1//PT1M" and job["retries"] == 0 and "parents" not in job
    assert job["container"]["image"].startswith("127.0.0.1:5000/services-svc:paasta-")
    assert ["region", "LIKE", "dev.*"] in job["constraints"]
    assert tmp_jobs(cluster) == []


def test_an_instance_whose_deploy_group_is_not_deployed_is_an_error(cluster, capsys) -> None:
    code, _, err = remote_run(cluster, capsys, "-i", "undeployed")
    assert code == 1
    assert "deploy group 'prod.never' is not deployed" in err
    assert tmp_jobs(cluster) == []


def test_an_instance_with_an_unusable_value_is_an_error_naming_it(cluster, capsys) -> None:
    code, _, err = remote_run(cluster, capsys, "-i", "huge", "-d")
    assert code == 1 and "Traceback" not in err
    assert "svc/adhoc-devcluster.yaml: huge: a value has the wrong type or is out of range" in err
