"""The installed ``generate_deployments_for_service`` command, run as a subprocess against real git repos."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.git_repos import git, make_bare_repo, write_service

BIN = Path(sys.executable).parent
STAMP = "20170103T000000"


def run_generate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PAASTA_SYSTEM_CONFIG_DIR"}
    command = [str(BIN / "generate_deployments_for_service"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)


@pytest.fixture
def service(tmp_path):
    bare, shas = make_bare_repo(tmp_path)
    soa_dir = tmp_path / "soa"
    write_service(
        soa_dir,
        "svc",
        {
            "service.yaml": f"git_url: {bare}\n",
            "marathon-c2.yaml": "main:\n  deploy_group: prod\n",
            "marathon-c1.yaml": "main:\n  deploy_group: prod\ncanary: {}\n",
            "chronos-c1.yaml": "job:\n  deploy_group: '{cluster}.jobs'\n  schedule: R/2017-01-01T00:00:00Z/PT1H\n",
        },
    )
    return bare, shas, soa_dir


def test_writes_v1_and_v2_in_upstream_key_order(service):
    bare, (old, new), soa_dir = service
    git("--git-dir", str(bare), "tag", "paasta-prod-20170101T000000-deploy", old)
    git("--git-dir", str(bare), "tag", "paasta-prod-20170102T000000-deploy", new)
    git("--git-dir", str(bare), "tag", "paasta-c1.jobs-20170101T000000-deploy", old)
    git("--git-dir", str(bare), "tag", "paasta-c1.job-20170103T000000-stop", old)
    git("--git-dir", str(bare), "tag", "paasta-c2.main-20170103T000000-stop", old)  # older sha: ignored

    result = run_generate("-d", str(soa_dir), "-s", "svc")
    assert (result.returncode, result.stderr) == (0, "")
    text = (soa_dir / "svc" / "deployments.json").read_text()
    image = "services-svc:paasta-{}".format
    expected = {
        "v1": {
            "svc:paasta-c1.main": {"docker_image": image(new), "desired_state": "start", "force_bounce": None},
            "svc:paasta-c1.job": {"docker_image": image(old), "desired_state": "stop", "force_bounce": STAMP},
            "svc:paasta-c2.main": {"docker_image": image(new), "desired_state": "start", "force_bounce": None},
        },
        "v2": {
            "deployments": {
                "prod": {"docker_image": image(new), "git_sha": new},
                "c1.jobs": {"docker_image": image(old), "git_sha": old},
            },
            "controls": {
                "svc:c1.main": {"desired_state": "start", "force_bounce": None},
                "svc:c1.job": {"desired_state": "stop", "force_bounce": STAMP},
                "svc:c2.main": {"desired_state": "start", "force_bounce": None},
            },
        },
    }
    assert text == json.dumps(expected)


def test_unchanged_file_is_not_rewritten(service):
    bare, (old, _), soa_dir = service
    git("--git-dir", str(bare), "tag", "paasta-prod-20170101T000000-deploy", old)
    assert run_generate("-d", str(soa_dir), "-s", "svc").returncode == 0
    target = soa_dir / "svc" / "deployments.json"
    os.utime(target, ns=(1, 1))
    assert run_generate("-d", str(soa_dir), "-s", "svc", "-v").returncode == 0
    assert target.stat().st_mtime_ns == 1


def test_dot_py_name_and_verbose_output(service):
    bare, (old, _), soa_dir = service
    git("--git-dir", str(bare), "tag", "paasta-prod-20170101T000000-deploy", old)
    result = subprocess.run(
        [str(BIN / "generate_deployments_for_service.py"), "-v", "-d", str(soa_dir), "-s", "svc"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert f"Mapping c1.main to docker image services-svc:paasta-{old}" in result.stderr
    assert "No deploy tag found for deploy group c1.canary of c1.canary" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["-s", "nope"], "Service 'nope' does not exist"),
        (["-s", "../x"], "../x"),
    ],
)
def test_bad_service_is_a_clear_error(service, args, message):
    _, _, soa_dir = service
    result = run_generate("-d", str(soa_dir), *args)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_unreachable_repo_and_broken_yaml_are_clear_errors(service):
    bare, _, soa_dir = service
    (soa_dir / "svc" / "service.yaml").write_text(f"git_url: {bare}.missing\n")
    result = run_generate("-d", str(soa_dir), "-s", "svc")
    assert result.returncode == 1 and f"git ls-remote {bare}.missing failed" in result.stderr
    (soa_dir / "svc" / "marathon-c1.yaml").write_text("main: [\n")
    result = run_generate("-d", str(soa_dir), "-s", "svc")
    assert result.returncode == 1 and "marathon-c1.yaml" in result.stderr and "line" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (soa_dir / "svc" / "deployments.json").exists()


def test_missing_required_service_flag():
    result = run_generate("-d", "/nonexistent")
    assert result.returncode == 2 and "-s/--service" in result.stderr
