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
    # sparse: no per-container inspect, which races with other containers coming and going on the engine
    return client.containers.list(all=True, sparse=True, filters={"name": "paasta_local_run_"})


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
    if any(tag in image.tags or f"{tag}:latest" in image.tags for image in docker_engine.images.list(name=tag)):
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


# --- interactive mode, in a real pseudo-terminal ------------------------------------------------------


def run_in_pty(
    args: list[str], env: dict[str, str], answer: bytes = b"", when: str = "", timeout: float = 60
) -> tuple[int, str]:
    """Run ``paasta <args>`` on a pty; type ``answer`` once ``when`` was printed; return all output."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    master, slave = pty.openpty()
    paasta = Path(sys.executable).with_name("paasta")
    proc = subprocess.Popen([str(paasta), *args], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=SERVICE_DIR)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if answer and when.encode() in output:
                os.write(master, answer)
                answer = b""
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(master)
        if proc.poll() is None and time.monotonic() >= deadline:
            proc.kill()
    return proc.wait(timeout=10), output.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture
def pty_env(local_run_env: str, tmp_path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "DOCKER_TAG": local_run_env}


def test_interactive_run_is_attached_to_the_terminal(pty_env: dict[str, str]) -> None:
    script = "test -t 0 && echo has-a-tty; read line; echo got:$line from $PAASTA_INSTANCE; exit 6"
    code, out = run_in_pty(
        ["local-run", "-s", "example_service", "-y", str(SOA_DIR), "-i", "shell", "-I", "-C", script],
        pty_env,
        answer=b"hello\n",
        when="has-a-tty",
    )
    assert code == 6, out
    assert "has-a-tty" in out
    assert "got:hello from shell" in out
    assert "--interactive=true" in out and "--tty=true" in out


def test_without_instance_runs_the_interactive_adhoc_config(pty_env: dict[str, str]) -> None:
    code, out = run_in_pty(
        ["local-run", "-s", "example_service", "-y", str(SOA_DIR), "-C", "echo as-$PAASTA_INSTANCE; exit 2"], pty_env
    )
    assert code == 2, out
    assert "as-interactive" in out
    assert "--memory=128m" in out


def test_interactive_without_deployment_asks_for_a_deploy_group(tmp_path: Path, pty_env: dict[str, str]) -> None:
    import shutil

    soa_dir = tmp_path / "soa"
    shutil.copytree(SOA_DIR, soa_dir)
    deployments = {
        "v1": {},
        "v2": {
            "deployments": {
                "testcluster.main": {"docker_image": "services-example_service:paasta-aaa", "git_sha": "aaa"},
                "testcluster.canary": {"docker_image": "services-example_service:paasta-bbb", "git_sha": "bbb"},
            },
            "controls": {},
        },
    }
    (soa_dir / "example_service" / "deployments.json").write_text(json.dumps(deployments))
    code, out = run_in_pty(
        ["local-run", "-s", "example_service", "-y", str(soa_dir), "-d"], pty_env, answer=b"2\n", when="number (1-2)"
    )
    assert code == 0, out
    assert "1) testcluster.main" in out and "2) testcluster.canary" in out
    assert '"127.0.0.1:1/services-example_service:paasta-bbb", "sh", "-c", "bash"]' in out


def test_oom_kill_is_reported_with_exit_code_137(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert local_run("-i", "nightly", "-C", "a=xxxxxxxxxxxxxxxx; while true; do a=$a$a; done") == 137
    assert "Your service was killed by the OOM Killer!" in capsys.readouterr().out


def test_adhoc_and_host_network_instances(local_run_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    assert local_run("-i", "shell") == 0
    assert "adhoc shell" in capsys.readouterr().out
    assert local_run("-i", "hostnet", "-C", "echo nofile=$(ulimit -n) host=$(hostname)") == 0
    out = capsys.readouterr().out
    assert "--net=host" in out and "--publish" not in out
    assert f"nofile=1024 host={socket.gethostname()}" in out
