"""``paasta local-run`` against the real Docker engine with the busybox example service.

The image is built by the service's own Makefile (``make cook-image`` with DOCKER_TAG), exactly as a
developer's local-run does; containers publish on 127.0.0.1 only and are removed afterwards.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from paasta_tools.cli.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "local_run"
SOA_DIR = FIXTURE / "soa"
SERVICE_DIR = FIXTURE / "example_service"
SHA = "0123456789abcdef0123456789abcdef01234567"


def write_system_config(directory: Path, registry: str, log_path: Path | None = None) -> Path:
    """A system config dir like a PaaSTA box's: cluster, registry, one existing volume, local_run default."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "cluster": "testcluster",
        "docker_registry": registry,
        "volumes": [{"hostPath": str(SERVICE_DIR / "www"), "containerPath": "/srv/www", "mode": "RO"}],
        "local_run_config": {"default_cluster": "testcluster"},
    }
    if log_path is not None:
        config["log_writer"] = {"driver": "file", "options": {"path_format": str(log_path)}}
    (directory / "paasta.json").write_text(json.dumps(config))
    return directory


def paasta_containers(client) -> list:
    return [c for c in client.containers.list(all=True) if c.name.startswith("paasta_local_run_")]


@pytest.fixture
def local_run_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docker_engine) -> Iterator[str]:
    """cwd = the service dir, a system config dir, and a unique DOCKER_TAG (the image is removed afterwards)."""
    tag = f"paasta-local-run-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.chdir(SERVICE_DIR)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(write_system_config(tmp_path / "etc_paasta", "127.0.0.1:1")))
    monkeypatch.setenv("DOCKER_TAG", tag)
    before = {c.id for c in paasta_containers(docker_engine)}
    yield tag
    leftovers = [c for c in paasta_containers(docker_engine) if c.id not in before]
    for container in leftovers:
        container.remove(force=True)
    docker_engine.images.remove(tag, force=True)
    assert leftovers == [], "local-run left containers behind"


def local_run(*args: str) -> int:
    return main(["local-run", "-s", "example_service", "-y", str(SOA_DIR), *args])


def test_http_healthcheck_succeeds(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert local_run("-i", "main", "--healthcheck-only") == 0
    out = capsys.readouterr().out
    assert "Successfully built" in out or "Successfully tagged" in out
    assert "Healthcheck succeeded!: 'http request succeeded, code 200' (via http://127.0.0.1:" in out
    assert "/status)" in out
    assert "Stopping and removing the old container" in out


def test_failing_healthcheck_counts_attempts(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert local_run("-i", "broken", "-t") == 1
    out = capsys.readouterr().out
    assert "/missing" in out
    for attempt in (1, 2, 3):
        assert f"Healthcheck failed! (Attempt {attempt} of 3) (via: http://127.0.0.1:" in out
    assert "Output: http request failed, code 404" in out
    assert "Attempt 4" not in out
    assert "Healthcheck succeeded" not in out


def test_chronos_job_runs_its_interpolated_command(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert local_run("-i", "nightly") == 3
    out = capsys.readouterr().out
    assert f"ran for {datetime.date.today():%Y-%m-%d} as example_service nightly" in out


def test_cmd_healthcheck_then_output_and_exit_code(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert local_run("-i", "worker") == 5
    out = capsys.readouterr().out
    assert "Healthcheck succeeded!: '' (via test -d /www)" in out
    assert "Your service is now running! Tailing stdout and stderr:" in out
    assert "worker worker says hi on port " in out


def test_no_healthcheck_flag_only_names_the_check(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert local_run("-i", "worker", "-k", "-C", "echo overridden; exit 4") == 4
    out = capsys.readouterr().out
    assert "PaaSTA would have healthchecked your service via\ntest -d /www" in out
    assert "overridden" in out and "worker worker says" not in out


def test_container_gets_env_volumes_and_limits(local_run_env: str, capsys, docker_engine) -> None:
    script = (
        "echo env=$PAASTA_DOCKER_IMAGE/$MESOS_TASK_ID/$CHRONOS_JOB_NAME; cat /srv/www/status; "
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.shares"
    )
    assert local_run("-i", "nightly", "-C", script) == 0
    out = capsys.readouterr().out
    assert f"env={local_run_env}/simulated_mesos_task_id/example_service nightly" in out
    assert "\nok\n" in out
    assert f"\n{64 * 1024 * 1024}\n102\n" in out


def test_dry_run_prints_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(write_system_config(tmp_path, "127.0.0.1:5999")))
    assert local_run("-i", "main", "-d") == 0
    args = json.loads(capsys.readouterr().out)
    image = f"127.0.0.1:5999/services-example_service:paasta-{SHA}"
    port = next(a for a in args if a.startswith("--env=MARATHON_PORT=")).split("=", 2)[2]
    assert args[:2] == ["paasta_docker_wrapper", "run"]
    assert f"--publish=127.0.0.1:{port}:8888" in args
    assert f"--volume={SERVICE_DIR / 'www'}:/srv/www:ro" in args
    assert args[-5:] == ["--detach=true", image, "sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8888 -h /www & wait"]
    assert local_run("-i", "hostnet", "-d", "--json-dict") == 0
    kwargs = json.loads(capsys.readouterr().out)
    assert kwargs["net"] == "host" and kwargs["docker_hash"] == image and kwargs["memory"] == 128
    assert {"key": "ulimit", "value": "nofile=1024:1024"} in kwargs["docker_params"]


def test_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(write_system_config(tmp_path, "127.0.0.1:5999")))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert local_run("-d") == 1
    assert "--instance and --cluster must be specified" in capsys.readouterr().err
    assert local_run("-d", "-t") == 1
    assert "With --healthcheck-only, --instance MUST be provided!" in capsys.readouterr().err
    assert local_run("-i", "shell", "-I", "-p") == 1
    assert "needs a terminal" in capsys.readouterr().err
    assert local_run("-i", "nope", "-d") == 1
    assert "example_service.nope" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert local_run("-i", "main") == 1
    assert "A local Makefile with a 'cook-image' target is required for --build" in capsys.readouterr().err
