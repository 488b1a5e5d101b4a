"""``paasta check``: the contract checks against real git and make on temporary directories."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from paasta_tools.cli import cli
from paasta_tools.cli.cmds.check import CheckTools, default_tools, run_check
from paasta_tools.cli.cmds.validate import Marks
from paasta_tools.config.validation_contract import (
    compare_deploy_groups,
    makefile_has_a_tab,
    makefile_has_docker_tag,
    smartstack_ports,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "validate"
GOOD_MAKEFILE = "DOCKER_TAG ?= example_service-dev-$(USER)\n\ncook-image:\n\ttrue\n\nitest:\n\ttrue\n\ntest:\n\ttrue\n"


@pytest.fixture
def soa_dir(tmp_path: Path) -> Path:
    """The good fixture, with service.yaml pointing at a real (local, bare) git repository."""
    soa = tmp_path / "soa"
    shutil.copytree(FIXTURES / "good", soa, symlinks=True)
    repo = tmp_path / "example_service.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    (soa / "example_service" / "service.yaml").write_text(f"description: example\ngit_url: {repo}\n")
    return soa


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    """The service's checkout: a Dockerfile and a Makefile honouring the contract."""
    work = tmp_path / "example_service"
    work.mkdir()
    (work / "Dockerfile").write_text("FROM debian:bookworm\n")
    (work / "Makefile").write_text(GOOD_MAKEFILE)
    return work


def check_output(soa_dir: Path, cwd: Path, service: str = "example_service", tools: CheckTools | None = None) -> str:
    out = io.StringIO()
    assert run_check(service, str(soa_dir), str(cwd), tools or default_tools(), out, Marks(colour=False)) == 0
    return out.getvalue()


def test_a_service_that_follows_the_contract(soa_dir: Path, repo_dir: Path) -> None:
    out = check_output(soa_dir, repo_dir)
    assert "\u2717" not in out, out
    for line in (
        f"\u2713 yelpsoa-config directory for example_service found in {soa_dir}",
        "\u2713 deploy.yaml exists for a Jenkins pipeline",
        "\u2713 Found a security-check entry in your deploy pipeline",
        "\u2713 Found a performance-check entry in your deploy pipeline",
        "\u2713 Git repo found in the expected location.",
        "\u2713 Found Dockerfile",
        "\u2713 A Makefile is present",
        "\u2713 The Makefile contains a tab character",
        "\u2713 The Makefile contains a docker tag",
        "\u2713 The Makefile responds to `make cook-image`",
        "\u2713 The Makefile responds to `make itest`",
        "\u2713 The Makefile responds to `make test`",
        "\u2713 Found marathon.yaml file.",
        "\u2713 Found chronos.yaml file.",
        "\u2713 All entries in deploy.yaml correspond to a marathon, chronos or adhoc entry",
        "\u2713 All marathon instances have a corresponding deploy.yaml entry",
        "\u2713 All chronos instances have a corresponding deploy.yaml entry",
        "\u2713 All adhoc instances have a corresponding deploy.yaml entry",
        "\u2713 monitoring.yaml found for Sensu monitoring",
        "\u2713 Your service uses Sensu and examples will get alerts.",
        "\u2713 Instance 'main' of your service is using smartstack port 20001 and will be automatically load balanced",
        "\u2713 chronos-norcal-prod.yaml has a valid instance: cleanup.",
    ):
        assert line + "\n" in out


def test_missing_pieces_are_crosses_and_still_exit_0(soa_dir: Path, tmp_path: Path) -> None:
    service = soa_dir / "example_service"
    (service / "deploy.yaml").write_text("pipeline:\n  - step: itest\n  - step: prod.everything\n")
    (service / "monitoring.yaml").write_text("page: true\n")
    (service / "smartstack.yaml").write_text("main: {mode: tcp}\n")
    (service / "service.yaml").write_text(f"git_url: {tmp_path / 'no-such-repo.git'}\n")
    cwd = tmp_path / "bare_checkout"
    cwd.mkdir()
    (cwd / "Makefile").write_text("test:\n    true\n")
    out = check_output(soa_dir, cwd)
    assert "\u2717 No 'security-check' entry was found in your deploy.yaml." in out
    assert "\u2717 No 'performance-check' entry was found in your deploy.yaml." in out
    assert f"\u2717 Could not find Git repo {tmp_path / 'no-such-repo.git'}. Your service must be there." in out
    assert "\u2717 Dockerfile not found." in out
    assert "\u2717 The Makefile contains no tab characters." in out
    assert "\u2717 The Makefile contains no reference to DOCKER_TAG." in out
    assert "\u2717 The Makefile does not have a `make itest` target." in out
    assert "\u2717 Cannot get team name. Ensure 'team' field is set in monitoring.yaml." in out
    assert "\u2717 Could not determine port of 'main'." in out
    assert "\u2717 There are some instance(s) you have asked to run in adhoc that\n" in out
    assert "  norcal-prod.interactive\n" in out


def test_deploy_groups_are_compared_both_ways_with_suggestions(soa_dir: Path, repo_dir: Path) -> None:
    service = soa_dir / "example_service"
    (service / "deploy.yaml").write_text(
        "pipeline:\n  - step: security-check\n  - step: performance-check\n"
        "  - step: prod.everythin\n  - step: norcal-prod.interactive\n"
    )
    out = check_output(soa_dir, repo_dir)
    assert "\u2717 There are some instance(s) you have asked to run in marathon that\n" in out
    assert "  prod.everything (did you mean 'prod.everythin'?)\n" in out
    assert "\u2717 There are some instance(s) in deploy.yaml that are not referenced\n" in out
    assert "  prod.everythin (did you mean 'prod.everything'?)\n" in out
    assert "All entries in deploy.yaml correspond" not in out


def test_missing_files(soa_dir: Path, repo_dir: Path) -> None:
    service = soa_dir / "example_service"
    for name in ("deploy.yaml", "monitoring.yaml", "smartstack.yaml"):
        (service / name).unlink()
    for path in service.glob("marathon-*.yaml"):
        path.unlink()
    for path in service.glob("chronos-*.yaml"):
        path.unlink()
    (repo_dir / "Makefile").unlink()
    out = check_output(soa_dir, repo_dir)
    assert "\u2717 No deploy.yaml exists, so your service cannot be deployed." in out
    assert "\u2717 No Makefile available." in out
    assert "\u2717 No marathon.yaml or chronos.yaml exists, so your service cannot be deployed." in out
    assert "\u2717 Your service is not using Sensu (monitoring.yaml)." in out
    assert "smartstack" not in out


def test_a_broken_file_does_not_stop_the_other_checks(soa_dir: Path, repo_dir: Path) -> None:
    (soa_dir / "example_service" / "deploy.yaml").write_text("pipeline: [oops\n")
    out = check_output(soa_dir, repo_dir)
    assert "deploy.yaml: invalid YAML at line 2, column 1" in out
    assert "\u2713 Found Dockerfile" in out
    assert "\u2713 Your service uses Sensu and examples will get alerts." in out
    assert "Successfully validated schema" in out


def test_validate_summary_comes_last(soa_dir: Path, repo_dir: Path) -> None:
    (soa_dir / "example_service" / "marathon-norcal-prod.yaml").write_text("main: {cpu: 1}\n")
    out = check_output(soa_dir, repo_dir)
    assert out.rstrip().splitlines()[-1] == "\u2713 chronos-norcal-prod.yaml has a valid instance: hourly."
    assert "  main: unknown key 'cpu' (did you mean 'cpus'?)\n" in out


def test_cli_uses_the_current_directory_as_the_service(
    soa_dir: Path, repo_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo_dir)
    assert cli.main(["check", "-y", str(soa_dir)]) == 0
    out = capsys.readouterr().out
    assert f"yelpsoa-config directory for example_service found in {soa_dir}" in out
    assert "\033[" not in out


def test_unknown_service_exits_1(soa_dir: Path, repo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "-s", "../etc", "-y", str(soa_dir)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("\u2717 Failed to locate yelpsoa-config directory for ../etc")


def test_compare_deploy_groups() -> None:
    result = compare_deploy_groups(["a.main", "b.main"], {"marathon": ["a.main", "a.main"], "chronos": ["c.job"]})
    assert result.used == {"marathon": ("a.main",), "chronos": ("c.job",)}
    assert result.not_in_pipeline == {"marathon": (), "chronos": ("c.job",)}
    assert result.unused_steps == ("b.main",)
    assert not result.consistent
    assert compare_deploy_groups(["x"], {"marathon": ["x"]}).consistent


def test_makefile_and_smartstack_helpers() -> None:
    assert makefile_has_a_tab("a:\n\ttrue\n") and not makefile_has_a_tab("a:\n    true\n")
    assert makefile_has_docker_tag("X = 1\nDOCKER_TAG ?= svc-dev\n")
    assert not makefile_has_docker_tag("DOCKER_TAG = fixed\n# DOCKER_TAG ?= x")
    assert smartstack_ports({"main": {"proxy_port": 20001}, "other": {}, "odd": None}) == [
        ("main", 20001),
        ("other", None),
        ("odd", None),
    ]
