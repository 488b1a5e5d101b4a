"""The docker executor against the real local engine, with the locally built busybox image."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from paasta_tools.devcluster.executors.base import Executor, LaunchError, TaskState, TaskStatus
from paasta_tools.devcluster.executors.docker import DockerExecutor, devcluster_id, remove_devcluster_containers
from paasta_tools.devcluster.executors.docker_options import LABEL_DEVCLUSTER, LABEL_TASK_ID
from paasta_tools.devcluster.executors.factory import CompositeExecutor, make_executor
from paasta_tools.devcluster.health import run_health_check
from tests.conftest import free_port
from tests.support.tasks import make_spec
from tests.support.waiting import async_wait_for

pytestmark = pytest.mark.docker

HTTPD = "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www"


async def wait_state(executor: Executor, task_id: str, *states: TaskState, timeout: float = 15) -> TaskStatus:
    async def reached() -> TaskStatus | None:
        status = (await executor.poll()).get(task_id)
        return status if status is not None and status.state in states else None

    return await async_wait_for(reached, timeout, interval=0.1, what=f"{task_id} in {states}")


def httpd_spec(**kwargs):
    return make_spec(HTTPD, image="busybox:latest", host_ports=(free_port(),), container_ports=(8080,), **kwargs)


def containers_of(docker_engine, data_dir: Path) -> list:
    return docker_engine.containers.list(all=True, filters={"label": f"{LABEL_DEVCLUSTER}={devcluster_id(data_dir)}"})


@pytest.fixture
def run_with_executor(docker_engine, tmp_path: Path):
    """Run ``scenario(executor)`` in an event loop; every container of the test is removed afterwards."""

    def runner(scenario):
        async def main():
            executor = DockerExecutor(tmp_path)
            executor.bind_agent("agent-S0")
            try:
                await scenario(executor)
            finally:
                await executor.shutdown(kill_tasks=True)

        asyncio.run(main())

    yield runner
    remove_devcluster_containers(devcluster_id(tmp_path))


def fetch(port: int) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
        return response.read()


def test_container_answers_http_on_its_published_port_and_passes_checks(run_with_executor, docker_engine, tmp_path):
    spec = httpd_spec(parameters=(("label", "paasta_service=svc"),))
    port = spec.host_ports[0]

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        assert (await executor.poll())[spec.task_id].state is TaskState.RUNNING
        await async_wait_for(lambda: asyncio.to_thread(lambda: _quiet(fetch, port)), timeout=15)
        http = {"protocol": "HTTP", "path": "/index.html", "portIndex": 0, "timeoutSeconds": 2}
        assert (await run_health_check(http, "127.0.0.1", [port], executor, spec.task_id))[0] is True
        assert (await run_health_check({"protocol": "TCP"}, "127.0.0.1", [port], executor, spec.task_id))[0] is True
        good = {"protocol": "COMMAND", "command": {"value": 'test "$PORT0" = 8080 && wget -q -O - localhost:8080'}}
        assert await run_health_check(good, "127.0.0.1", [], executor, spec.task_id) == (
            True,
            f"command {good['command']['value']!r} exited with 0: hello",
        )
        bad = {"protocol": "COMMAND", "command": {"value": "exit 1"}}
        assert (await run_health_check(bad, "127.0.0.1", [], executor, spec.task_id))[0] is False
        (container,) = containers_of(docker_engine, tmp_path)
        assert container.name.startswith("mesos-agent-S0.")
        assert container.labels[LABEL_TASK_ID] == spec.task_id
        assert container.labels["paasta_service"] == "svc"
        assert container.attrs["HostConfig"]["RestartPolicy"]["Name"] in ("", "no")

    run_with_executor(scenario)


def _quiet(function, *args):
    try:
        return function(*args)
    except OSError:
        return None


def test_exit_codes_become_finished_and_failed(run_with_executor):
    ok = make_spec("echo out; echo err >&2", image="busybox:latest")
    bad = make_spec("exit 3", image="busybox:latest")

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(ok)
        await executor.launch(bad)
        assert (await wait_state(executor, ok.task_id, TaskState.FINISHED, TaskState.FAILED)).exit_code == 0
        failed = await wait_state(executor, bad.task_id, TaskState.FAILED, TaskState.FINISHED)
        assert (failed.state, failed.exit_code, failed.message) == (
            TaskState.FAILED,
            3,
            "Container exited with status 3",
        )
        assert await executor.logs(ok.task_id) == ("out\n", "err\n")

    run_with_executor(scenario)


def test_kill_is_killed_and_an_external_kill_is_a_failure(run_with_executor, docker_engine, tmp_path):
    ours, theirs = make_spec("sleep 60", image="busybox:latest"), make_spec("sleep 60", image="busybox:latest")

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(ours)
        await executor.launch(theirs)
        await executor.kill(ours.task_id, grace_seconds=0)
        assert (await wait_state(executor, ours.task_id, TaskState.KILLED, TaskState.FAILED)).state is TaskState.KILLED
        by_task = {c.labels[LABEL_TASK_ID]: c for c in containers_of(docker_engine, tmp_path)}
        await asyncio.to_thread(by_task[theirs.task_id].kill)
        failed = await wait_state(executor, theirs.task_id, TaskState.FAILED, TaskState.KILLED)
        assert (failed.state, failed.exit_code) == (TaskState.FAILED, 137)

    run_with_executor(scenario)


def test_oom_is_a_failure_with_a_message(run_with_executor):
    spec = make_spec(
        "x=$(yes | head -c 80000000); echo survived",
        image="busybox:latest",
        mem=16,
        parameters=(("memory-swap", "16m"),),
    )

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        status = await wait_state(executor, spec.task_id, TaskState.FAILED, TaskState.FINISHED)
        assert (status.state, status.exit_code) == (TaskState.FAILED, 137)
        assert "OOM" in status.message

    run_with_executor(scenario)


def test_parameters_reach_the_container(run_with_executor, docker_engine, tmp_path):
    parameters = (
        ("memory-swap", "64m"),
        ("cpu-period", "100000"),
        ("cpu-quota", "25000"),
        ("ulimit", "nofile=1024:1024"),
        ("cap-add", "NET_ADMIN"),
    )
    spec = make_spec("sleep 60", image="busybox:latest", mem=48, cpus=0.5, parameters=parameters)

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        (container,) = containers_of(docker_engine, tmp_path)
        host = container.attrs["HostConfig"]
        assert (host["Memory"], host["MemorySwap"]) == (48 * 1024**2, 64 * 1024**2)
        assert (host["CpuShares"], host["CpuPeriod"], host["CpuQuota"]) == (512, 100000, 25000)
        assert host["Ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 1024}]
        assert host["CapAdd"] == ["NET_ADMIN"]
        assert host["PortBindings"] in (None, {})

    run_with_executor(scenario)


def test_missing_image_is_a_clear_launch_error(run_with_executor):
    spec = make_spec("true", image="no-such-image:1.0")

    async def scenario(executor: DockerExecutor) -> None:
        with pytest.raises(LaunchError, match="'no-such-image:1.0' is not in the local Docker engine"):
            await executor.launch(spec)

    run_with_executor(scenario)


def test_recover_reattaches_running_containers(docker_engine, tmp_path):
    running, ended, unknown = httpd_spec(), make_spec("exit 5", image="busybox:latest"), httpd_spec()

    async def scenario() -> None:
        first = DockerExecutor(tmp_path)
        await first.launch(running)
        await first.launch(ended)
        await wait_state(first, ended.task_id, TaskState.FAILED)
        await first.shutdown(kill_tasks=False)

        second = DockerExecutor(tmp_path)
        try:
            recovered = await second.recover([running, ended, unknown])
            assert recovered[running.task_id].state is TaskState.RUNNING
            assert (recovered[ended.task_id].state, recovered[ended.task_id].exit_code) == (TaskState.FAILED, 5)
            assert recovered[unknown.task_id].state is TaskState.LOST
            await async_wait_for(lambda: asyncio.to_thread(_quiet, fetch, running.host_ports[0]), timeout=15)
            await second.kill(running.task_id, grace_seconds=0)
            await wait_state(second, running.task_id, TaskState.KILLED)
        finally:
            await second.shutdown(kill_tasks=True)

    try:
        asyncio.run(scenario())
    finally:
        remove_devcluster_containers(devcluster_id(tmp_path))


def test_forget_removes_the_container_and_keeps_its_output(run_with_executor, docker_engine, tmp_path):
    spec = make_spec("echo kept", image="busybox:latest")

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        await wait_state(executor, spec.task_id, TaskState.FINISHED)
        await executor.forget(spec.task_id)
        assert containers_of(docker_engine, tmp_path) == []
        assert (await executor.logs(spec.task_id))[0] == "kept\n"

    run_with_executor(scenario)


def test_docker_executor_runs_container_less_tasks_as_processes(docker_engine, tmp_path):
    container, process = make_spec("sleep 60", image="busybox:latest"), make_spec("echo local; sleep 60")

    async def scenario() -> None:
        executor = make_executor("docker", tmp_path)
        assert isinstance(executor, CompositeExecutor)
        try:
            await executor.launch(container)
            await executor.launch(process)
            statuses = await executor.poll()
            assert {statuses[container.task_id].state, statuses[process.task_id].state} == {TaskState.RUNNING}
            assert len(containers_of(docker_engine, tmp_path)) == 1
            assert (await executor.run_command_check(process.task_id, "pwd", 2))[1].strip().endswith(process.task_id)
        finally:
            await executor.shutdown(kill_tasks=True)
        assert containers_of(docker_engine, tmp_path) == []

    asyncio.run(scenario())


def test_sync_sandbox_copies_running_container_output(run_with_executor):
    spec = make_spec("echo from-container; sleep 60", image="busybox:latest")

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        stdout = executor.sandbox(spec.task_id) / "stdout"

        async def synced() -> bool:
            await executor.sync_sandbox(spec.task_id)
            return stdout.exists() and stdout.read_text() == "from-container\n"

        await async_wait_for(synced, timeout=15)

    run_with_executor(scenario)


def test_host_network_and_volumes(run_with_executor, tmp_path):
    from paasta_tools.devcluster.executors.base import Volume

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "index.html").write_text("from-volume\n")
    port = free_port()
    spec = make_spec(
        "exec httpd -f -p 127.0.0.1:$PORT0 -h /www",
        image="busybox:latest",
        network="HOST",
        host_ports=(port,),
        volumes=(Volume("/www", str(shared), "RO"),),
    )

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        body = await async_wait_for(lambda: asyncio.to_thread(_quiet, fetch, port), timeout=15)
        assert body == b"from-volume\n"
        code, output = await executor.run_command_check(spec.task_id, "touch /www/x", 5)
        assert code != 0 and "Read-only" in output

    run_with_executor(scenario)


def test_images_missing_locally_are_pulled_from_the_local_registry(run_with_executor, docker_engine, registry):
    repository = f"{registry.address}/services-pulltest"
    docker_engine.images.get("busybox:latest").tag(repository, "paasta-abc")
    for line in docker_engine.images.push(repository, tag="paasta-abc", stream=True, decode=True):
        assert "error" not in line, line
    docker_engine.images.remove(f"{repository}:paasta-abc")
    spec = make_spec("echo pulled", image=f"{repository}:paasta-abc")

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)
        assert (await wait_state(executor, spec.task_id, TaskState.FINISHED, TaskState.FAILED)).exit_code == 0
        assert (await executor.logs(spec.task_id))[0] == "pulled\n"

    try:
        run_with_executor(scenario)
    finally:
        docker_engine.images.remove(f"{repository}:paasta-abc", force=True)


def test_statistics_of_a_running_container(run_with_executor):
    spec = make_spec("yes | head -c 3000000 > /dev/null; sleep 60", image="busybox:latest", mem=64)

    async def scenario(executor: DockerExecutor) -> None:
        await executor.launch(spec)

        async def measured() -> dict | None:
            stats = await executor.statistics(spec.task_id)
            return stats if stats and stats["mem_rss_bytes"] > 0 else None

        stats = await async_wait_for(measured, timeout=10)
        assert stats["cpus_user_time_secs"] + stats["cpus_system_time_secs"] > 0
        await executor.kill(spec.task_id, grace_seconds=0)
        await wait_state(executor, spec.task_id, TaskState.KILLED)
        assert await executor.statistics(spec.task_id) is None

    run_with_executor(scenario)


def test_without_a_grace_period_a_container_is_stopped_at_once_as_mesos_docker_executor_does(run_with_executor):
    # The task ignores TERM: only the KILL that follows the grace period ends it.
    spec = make_spec("trap '' TERM; echo up; while true; do sleep 1; done", image="busybox:latest")

    async def scenario(executor: DockerExecutor) -> None:
        import time

        await executor.launch(spec)
        await wait_state(executor, spec.task_id, TaskState.RUNNING)
        started = time.monotonic()
        await executor.kill(spec.task_id)  # no grace given: docker stop -t 0
        await wait_state(executor, spec.task_id, TaskState.KILLED)
        assert time.monotonic() - started < 2.5  # well under the 3 s a command-executor task gets

    run_with_executor(scenario)
