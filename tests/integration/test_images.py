"""The image half of the contract against a real engine and registry: cook-image → itest → push-to-registry,
then ``local-run --pull`` of the pushed image as deployments.json names it."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from paasta_tools.cli.cli import main
from tests.integration.test_local_run import SERVICE_DIR, SOA_DIR, write_system_config


def _deployments(sha: str) -> dict:
    image = f"services-example_service:paasta-{sha}"
    return {
        "v1": {
            "example_service:paasta-testcluster.nightly": {
                "docker_image": image,
                "desired_state": "start",
                "force_bounce": None,
            }
        },
        "v2": {
            "deployments": {"testcluster.nightly": {"docker_image": image, "git_sha": sha}},
            "controls": {"example_service:testcluster.nightly": {"desired_state": "start", "force_bounce": None}},
        },
    }


@pytest.fixture
def image_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docker_engine, registry):
    """cwd = the service dir; system config naming the registry fixture and a log file; images removed after."""
    log_path = tmp_path / "paasta.log"
    monkeypatch.chdir(SERVICE_DIR)
    monkeypatch.setenv(
        "PAASTA_SYSTEM_CONFIG_DIR", str(write_system_config(tmp_path / "etc", registry.address, log_path))
    )
    created: list[str] = []
    yield log_path, created
    for image in created:
        try:
            docker_engine.images.remove(image, force=True)
        except Exception:  # already removed by the test
            pass


def _log_events(log_path: Path) -> list[str]:
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    return [entry["message"] for entry in lines if entry["level"] == "event" and entry["component"] == "build"]


def test_cook_itest_push_then_local_run_pull(image_env, tmp_path, monkeypatch, capsys, docker_engine, registry) -> None:
    log_path, created = image_env
    sha = uuid.uuid4().hex + uuid.uuid4().hex[:8]
    tag = f"{registry.address}/services-example_service:paasta-{sha}"
    cook_tag = f"paasta-cook-image-test-{sha[:10]}"
    created += [tag, cook_tag]
    monkeypatch.setenv("DOCKER_TAG", cook_tag)
    assert main(["cook-image", "-s", "services-example_service", "-y", str(SOA_DIR)]) == 0
    assert f"{cook_tag}:latest" in docker_engine.images.get(cook_tag).tags
    monkeypatch.delenv("DOCKER_TAG")

    assert main(["itest", "-s", "example_service", "-c", sha, "-d", str(SOA_DIR)]) == 0
    assert tag in docker_engine.images.get(tag).tags
    assert main(["push-to-registry", "-s", "example_service", "-c", sha, "-d", str(SOA_DIR)]) == 0
    out = capsys.readouterr().out
    assert f"itest passed for {sha}." in out
    assert f"Successfully pushed image for {sha} to registry" in out
    assert _log_events(log_path) == [
        f"starting itest for {sha}.",
        f"itest passed for {sha}.",
        f"Successfully pushed image for {sha} to registry",
    ]

    docker_engine.images.remove(tag, force=True)
    soa_dir = tmp_path / "soa"
    shutil.copytree(SOA_DIR, soa_dir)
    (soa_dir / "example_service" / "deployments.json").write_text(json.dumps(_deployments(sha)))
    assert main(["local-run", "-s", "example_service", "-y", str(soa_dir), "-i", "nightly", "--pull"]) == 3
    out = capsys.readouterr().out
    assert "as example_service nightly" in out
    assert tag in docker_engine.images.get(tag).tags


def test_failures_are_reported_and_logged(image_env, tmp_path, monkeypatch, capsys, docker_engine, registry) -> None:
    log_path, created = image_env
    sha = "f" * 40
    assert main(["push-to-registry", "-s", "example_service", "-c", sha, "-d", str(SOA_DIR)]) == 1
    err = capsys.readouterr().err
    assert f"ERROR: Failed to promote image for {sha}." in err
    assert f"services-example_service:paasta-{sha}" in err

    lazy_service = tmp_path / "lazy"
    lazy_service.mkdir()
    (lazy_service / "Makefile").write_text("itest:\n\t@echo pretending to test\n")
    monkeypatch.chdir(lazy_service)
    assert main(["itest", "-s", "example_service", "-c", sha, "-d", str(SOA_DIR)]) == 1
    captured = capsys.readouterr()
    assert "pretending to test" in captured.out
    assert f"ERROR: itest has not created {registry.address}/services-example_service:paasta-{sha}" in captured.err
    assert main(["cook-image", "-s", "example_service", "-y", str(SOA_DIR)]) == 1
    assert "requires a cook-image target" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["itest", "-s", "example_service", "-c", "abc", "-d", str(SOA_DIR)])
    assert exited.value.code == 1
    assert "abc is not a full git sha" in capsys.readouterr().err
    assert f"ERROR: Failed to promote image for {sha}." in _log_events(log_path)
