"""Pure helpers of the process executor: argv building, exit statuses, log tails."""

from __future__ import annotations

from pathlib import Path

from paasta_tools.devcluster.executors.base import TaskState
from paasta_tools.devcluster.executors.process import exit_status, tail_lines, task_argv
from tests.support.tasks import make_spec


def test_argv_follows_the_mesos_command_executor() -> None:
    assert task_argv(make_spec("echo $HOME")) == ["/bin/sh", "-c", "echo $HOME"]
    assert task_argv(make_spec("/bin/run", args=("a", "b c"), shell=False)) == ["/bin/run", "a", "b c"]
    assert task_argv(make_spec(None, args=("serve", "--port=1"), shell=False)) == ["serve", "--port=1"]
    assert task_argv(make_spec(None)) == []


def test_exit_statuses_use_mesos_messages() -> None:
    assert exit_status(0, False, 1.0).state is TaskState.FINISHED
    failed = exit_status(2, False, 1.0)
    assert (failed.state, failed.message) == (TaskState.FAILED, "Command exited with status 2")
    signalled = exit_status(-9, False, 1.0)
    assert (signalled.state, signalled.message) == (TaskState.FAILED, "Command terminated with signal SIGKILL")
    assert exit_status(-200, False, 1.0).message == "Command terminated with signal 200"
    assert exit_status(143, True, 1.0).state is TaskState.KILLED
    assert exit_status(None, False, 1.0).state is TaskState.LOST


def test_tail_lines(tmp_path: Path) -> None:
    log = tmp_path / "stdout"
    log.write_text("".join(f"line {n}\n" for n in range(10000)))
    assert tail_lines(log, 2) == "line 9998\nline 9999\n"
    assert tail_lines(log, 0) == ""
    assert tail_lines(tmp_path / "missing", 5) == ""
    short = tmp_path / "short"
    short.write_text("only\n")
    assert tail_lines(short, 100) == "only\n"
