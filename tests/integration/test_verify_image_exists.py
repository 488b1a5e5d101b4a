"""``mark-for-deployment --verify-image-exists`` against a real registry: a commit whose image was never
pushed is refused before any tag is pushed; a pushed one is marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paasta_tools.cli.cli import main
from paasta_tools.clients.docker_registry import image_tag_exists, registry_base_url
from paasta_tools.clients.git import list_remote_refs
from paasta_tools.errors import DockerImageError
from tests.conftest import free_port
from tests.support.git_repos import make_bare_repo, write_service


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry):
    bare, shas = make_bare_repo(tmp_path, 2)
    soa_dir = tmp_path / "soa"
    write_service(soa_dir, "svc", {"service.yaml": f"git_url: {bare}\n", "marathon-c1.yaml": "main: {}\n"})
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "registry.json").write_text(json.dumps({"docker_registry": registry.address}))
    (etc / "logs.json").write_text(json.dumps({"log_writer": {"driver": "null"}}))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    return bare, shas, soa_dir


def mark(soa_dir: Path, sha: str) -> int:
    return main(
        ["mark-for-deployment", "-s", "svc", "-l", "c1.main", "-c", sha, "-d", str(soa_dir), "--verify-image-exists"]
    )


def test_only_a_pushed_image_is_marked(service, registry, docker_engine, capsys) -> None:
    bare, (unpushed, pushed), soa_dir = service
    image = docker_engine.images.get("busybox:latest")
    repository = f"{registry.address}/services-svc"
    image.tag(repository, tag=f"paasta-{pushed}")
    try:
        for line in docker_engine.images.push(repository, tag=f"paasta-{pushed}", stream=True, decode=True):
            assert "error" not in line, line
    finally:
        docker_engine.images.remove(f"{repository}:paasta-{pushed}")

    assert mark(soa_dir, unpushed) == 1
    err = capsys.readouterr().err
    assert f"ERROR: {registry.address}/services-svc:paasta-{unpushed} is not in the registry" in err
    assert f"paasta push-to-registry -s svc -c {unpushed}" in err
    assert not [ref for ref in list_remote_refs(str(bare)) if ref.startswith("refs/tags/")]

    assert mark(soa_dir, pushed) == 0
    tags = [ref for ref, sha in list_remote_refs(str(bare)).items() if ref.startswith("refs/tags/")]
    assert len(tags) == 1 and tags[0].startswith("refs/tags/paasta-c1.main-")
    assert list_remote_refs(str(bare))[tags[0]] == pushed


def test_registry_questions(registry) -> None:
    assert registry_base_url(registry.address) == f"http://{registry.address}"
    assert registry_base_url("docker-paasta.example.com:443") == "https://docker-paasta.example.com:443"
    assert not image_tag_exists(registry.address, "services-never-pushed", "paasta-abc")
    dead = f"127.0.0.1:{free_port()}"
    with pytest.raises(DockerImageError, match=f"Cannot reach the Docker registry at http://{dead}/v2/"):
        image_tag_exists(dead, "services-svc", "paasta-abc", timeout=2)
