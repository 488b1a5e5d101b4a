"""The process executor with real local processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paasta_tools.devcluster.executors.base import LaunchError, TaskState, TaskStatus
from paasta_tools.devcluster.executors.process import ProcessExecutor, pid_start_ticks
from paasta_tools.devcluster.health import run_health_check
from tests.conftest import free_port
from tests.support.tasks import make_spec
from tests.support.waiting import async_wait_for, wait_for


async def wait_state(executor: ProcessExecutor, task_id: str, *states: TaskState, timeout: float = 10) -> TaskStatus:
    async def reached() -> TaskStatus | None:
        status = (await executor.poll()).get(task_id)
        return status if status is not None and status.state in states else None

    return await async_wait_for(reached, timeout, what=f"{task_id} in {states}")


def run(coro):
    return asyncio.run(coro)


def test_exit_zero_finishes_with_output_in_sandbox(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("echo hello; echo oops >&2")
        await executor.launch(spec)
        status = await wait_state(executor, spec.task_id, TaskState.FINISHED, TaskState.FAILED)
        assert (status.state, status.exit_code) == (TaskState.FINISHED, 0)
        assert await executor.logs(spec.task_id) == ("hello\n", "oops\n")
        assert (executor.sandbox(spec.task_id) / "stdout").read_text() == "hello\n"

    run(scenario())


def test_non_zero_exit_fails_with_mesos_message(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("exit 3")
        await executor.launch(spec)
        status = await wait_state(executor, spec.task_id, TaskState.FAILED, TaskState.FINISHED)
        assert (status.state, status.exit_code, status.message) == (
            TaskState.FAILED,
            3,
            "Command exited with status 3",
        )

    run(scenario())


def test_env_ports_and_cwd(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        command = 'echo "$PORT0 $PORT $MARATHON_APP_ID"; pwd'
        spec = make_spec(command, host_ports=(31005,), env={"MARATHON_APP_ID": "/a"})
        await executor.launch(spec)
        await wait_state(executor, spec.task_id, TaskState.FINISHED)
        stdout, _ = await executor.logs(spec.task_id)
        assert stdout.splitlines() == ["31005 31005 /a", str(executor.sandbox(spec.task_id))]

    run(scenario())


def test_argv_without_shell(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("/bin/echo", args=("a b", "$HOME"), shell=False)
        await executor.launch(spec)
        await wait_state(executor, spec.task_id, TaskState.FINISHED)
        assert (await executor.logs(spec.task_id))[0] == "a b $HOME\n"

    run(scenario())


def test_missing_binary_fails_like_mesos(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("/no/such/binary", shell=False)
        await executor.launch(spec)
        status = await wait_state(executor, spec.task_id, TaskState.FAILED)
        assert status.exit_code == 127

    run(scenario())


def test_task_without_command_cannot_launch(tmp_path: Path) -> None:
    with pytest.raises(LaunchError, match="neither cmd nor args"):
        run(ProcessExecutor(tmp_path).launch(make_spec(None)))


def test_kill_is_observed_as_killed(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("sleep 30")
        await executor.launch(spec)
        assert (await executor.poll())[spec.task_id].state is TaskState.RUNNING
        await executor.kill(spec.task_id, grace_seconds=1)
        status = await wait_state(executor, spec.task_id, TaskState.KILLED, TaskState.FAILED, timeout=10)
        assert status.state is TaskState.KILLED

    run(scenario())


def test_kill_escalates_to_sigkill_for_the_whole_group(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec('trap "" TERM; sleep 30 & echo $! > child.pid; wait; wait')
        await executor.launch(spec)
        child_file = executor.sandbox(spec.task_id) / "child.pid"
        await async_wait_for(lambda: asyncio.sleep(0, child_file.exists() and child_file.read_text().strip()))
        child = int(child_file.read_text())
        await executor.kill(spec.task_id, grace_seconds=0.3)
        await wait_state(executor, spec.task_id, TaskState.KILLED)
        await async_wait_for(lambda: asyncio.sleep(0, pid_start_ticks(child) is None), timeout=10)

    run(scenario())


def test_a_task_ignoring_term_runs_until_the_grace_period_ends(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("trap '' TERM; touch trapped; sleep 30")
        await executor.launch(spec)
        trapped = executor.sandbox(spec.task_id) / "trapped"
        await async_wait_for(lambda: asyncio.sleep(0, trapped.exists()))
        await executor.kill(spec.task_id, grace_seconds=1.5)
        await asyncio.sleep(0.8)  # TERM was sent: the task ignores it and is still running
        assert (await executor.poll())[spec.task_id].state is TaskState.RUNNING
        status = await wait_state(executor, spec.task_id, TaskState.KILLED, TaskState.FAILED, timeout=10)
        assert status.state is TaskState.KILLED

    run(scenario())


def test_external_kill_is_a_failure(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("sleep 30 & pid=$!; echo $pid > child.pid; wait $pid")
        await executor.launch(spec)
        child_file = executor.sandbox(spec.task_id) / "child.pid"
        await async_wait_for(lambda: asyncio.sleep(0, child_file.exists() and child_file.read_text().strip()))
        os.kill(int(child_file.read_text()), 9)
        status = await wait_state(executor, spec.task_id, TaskState.FAILED, TaskState.KILLED)
        assert (status.state, status.exit_code) == (TaskState.FAILED, 137)

    run(scenario())


def test_health_checks_against_a_real_process(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        port = free_port()
        spec = make_spec(f"exec {sys.executable} -m http.server --bind 127.0.0.1 $PORT0", host_ports=(port,))
        await executor.launch(spec)
        http = {"protocol": "HTTP", "path": "/", "portIndex": 0, "timeoutSeconds": 1}

        async def healthy() -> bool:
            return (await run_health_check(http, "127.0.0.1", [port], executor, spec.task_id))[0]

        await async_wait_for(healthy, timeout=10)
        tcp = await run_health_check({"protocol": "TCP"}, "127.0.0.1", [port], executor, spec.task_id)
        assert tcp[0] is True
        good = {"protocol": "COMMAND", "command": {"value": 'test "$PORT0" = ' + str(port)}}
        bad = {"protocol": "COMMAND", "command": {"value": "echo broken; exit 2"}}
        assert (await run_health_check(good, "127.0.0.1", [], executor, spec.task_id))[0] is True
        ok, message = await run_health_check(bad, "127.0.0.1", [], executor, spec.task_id)
        assert (ok, "exited with 2: broken" in message) == (False, True)
        await executor.kill(spec.task_id, 1)
        await wait_state(executor, spec.task_id, TaskState.KILLED)
        assert (await run_health_check(http, "127.0.0.1", [port], executor, spec.task_id))[0] is False

    run(scenario())


def test_command_check_timeout(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("sleep 30")
        await executor.launch(spec)
        code, message = await executor.run_command_check(spec.task_id, "sleep 10", timeout=0.2)
        assert (code, "timed out" in message) == (137, True)
        await executor.shutdown(kill_tasks=True)

    run(scenario())


def test_recover_reattaches_running_and_reports_ended_tasks(tmp_path: Path) -> None:
    async def scenario() -> None:
        first = ProcessExecutor(tmp_path)
        running, ended, unknown = make_spec("sleep 30"), make_spec("exit 4"), make_spec("true")
        await first.launch(running)
        await first.launch(ended)
        await wait_state(first, ended.task_id, TaskState.FAILED)
        await first.shutdown(kill_tasks=False)

        second = ProcessExecutor(tmp_path)
        recovered = await second.recover([running, ended, unknown])
        assert recovered[running.task_id].state is TaskState.RUNNING
        assert (recovered[ended.task_id].state, recovered[ended.task_id].exit_code) == (TaskState.FAILED, 4)
        assert recovered[unknown.task_id].state is TaskState.LOST
        await second.kill(running.task_id, grace_seconds=1)
        await wait_state(second, running.task_id, TaskState.KILLED, timeout=10)

    run(scenario())


def test_recover_rejects_a_reused_pid(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("true")
        sandbox = executor.sandbox(spec.task_id)
        sandbox.mkdir(parents=True)
        # Our own pid is alive, but its start time differs from the record: not the task.
        record = {"pid": os.getpid(), "start_ticks": 1, "started_at": 0, "killing": False}
        (sandbox / "task.json").write_text(json.dumps(record))
        assert (await executor.recover([spec]))[spec.task_id].state is TaskState.LOST

    run(scenario())


def test_shutdown_with_kill_stops_everything(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("sleep 30")
        await executor.launch(spec)
        pid = json.loads((executor.sandbox(spec.task_id) / "task.json").read_text())["pid"]
        await executor.shutdown(kill_tasks=True)
        assert pid_start_ticks(pid) is None

    run(scenario())


def test_forget_drops_the_task_but_keeps_its_output(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec("echo kept")
        await executor.launch(spec)
        await wait_state(executor, spec.task_id, TaskState.FINISHED)
        await executor.forget(spec.task_id)
        assert spec.task_id not in await executor.poll()
        assert (await executor.logs(spec.task_id))[0] == "kept\n"

    run(scenario())


def test_unusable_sandbox_is_a_launch_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    with pytest.raises(LaunchError, match="cannot start '/bin/sh'"):
        run(ProcessExecutor(tmp_path / "not-a-dir").launch(make_spec("true")))


def test_spec_env_wins_over_the_agent_environment(tmp_path: Path) -> None:
    async def scenario() -> None:
        executor = ProcessExecutor(tmp_path)
        spec = make_spec('echo "$MESOS_TASK_ID|$MESOS_SANDBOX|$HOME"', env={"HOME": "/app-home"})
        await executor.launch(spec)
        await wait_state(executor, spec.task_id, TaskState.FINISHED)
        expected = f"{spec.task_id}|{executor.sandbox(spec.task_id)}|/app-home\n"
        assert (await executor.logs(spec.task_id))[0] == expected

    run(scenario())


def test_only_forgotten_sandboxes_are_garbage_collected(tmp_path: Path) -> None:
    from paasta_tools.devcluster.executors.base import mark_sandbox_ended, prune_sandboxes, sandbox_path

    ended = [sandbox_path(tmp_path, f"old-{n}") for n in range(3)]
    live = sandbox_path(tmp_path, "running-container")
    for number, path in enumerate([*ended, live]):
        path.mkdir(parents=True)
        os.utime(path, (number, number))
    for number, path in enumerate(ended):
        mark_sandbox_ended(path)
        os.utime(path / ".ended", (number, number))
    assert prune_sandboxes(tmp_path, keep=1) == 2
    assert [path.exists() for path in ended] == [False, False, True]
    assert live.exists()


def test_a_process_whose_main_thread_exited_is_alive_while_another_thread_runs(tmp_path: Path) -> None:
    # HAProxy and other multi-threaded programs can show a zombie leader while their other
    # threads still hold the process's sockets: that process is not gone yet.
    script = (
        "import ctypes, sys, threading, time\n"
        "threading.Thread(target=time.sleep, args=(2,)).start()\n"
        "print('ready', flush=True)\n"
        "ctypes.CDLL(None).pthread_exit(None)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    leader = Path(f"/proc/{child.pid}/stat")
    wait_for(lambda: leader.read_text().rsplit(")", 1)[1].split()[0] == "Z", 5, what="the main thread to exit")
    assert pid_start_ticks(child.pid) is not None
    assert child.wait(10) == 0
    assert pid_start_ticks(child.pid) is None
