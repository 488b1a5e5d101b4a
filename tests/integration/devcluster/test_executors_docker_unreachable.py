"""The docker executor when no engine answers: clear launch errors, nothing crashes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import docker
import pytest

from paasta_tools.devcluster.executors.base import LaunchError, TaskState
from paasta_tools.devcluster.executors.docker import DockerExecutor
from tests.support.tasks import make_spec


@pytest.fixture
def executor(tmp_path: Path) -> DockerExecutor:
    client = docker.DockerClient(base_url=f"unix://{tmp_path}/no-engine.sock", version="1.41", timeout=2)
    return DockerExecutor(tmp_path, client=client)


def test_launch_is_a_launch_error_naming_the_image(executor: DockerExecutor) -> None:
    spec = make_spec("true", image="busybox:latest")
    with pytest.raises(LaunchError, match="docker image 'busybox:latest'"):
        asyncio.run(executor.launch(spec))


def test_recover_reports_lost_and_other_calls_answer(executor: DockerExecutor) -> None:
    spec = make_spec("true", image="busybox:latest")

    async def scenario() -> None:
        assert (await executor.recover([spec]))[spec.task_id].state is TaskState.LOST
        assert await executor.poll() == {}
        assert (await executor.run_command_check("nope", "true", 1))[0] == 1
        await executor.kill("nope")
        await executor.shutdown(kill_tasks=True)

    asyncio.run(scenario())
