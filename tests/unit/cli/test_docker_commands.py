"""Arguments of ``paasta docker_exec|docker_inspect|docker_stop`` and the choice of the task to act on."""

from __future__ import annotations

import pytest

from paasta_tools.cli.cli import build_parser, main
from paasta_tools.cli.cmds.docker_exec import command_argv
from paasta_tools.errors import TaskContainerError
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask
from paasta_tools.operations.task_containers import TaskQuery, require_local, select_task

COMMON = ["-s", "svc", "-c", "prod", "-i", "main"]


def _parse(argv: list[str]):
    return build_parser(argv).parse_args(argv)


@pytest.mark.parametrize(
    ("words", "argv"),
    [
        ([], ["/bin/sh"]),
        (["echo", "hi"], ["echo", "hi"]),
        (["ls -l '/a b'"], ["ls", "-l", "/a b"]),
        (["--", "sh", "-c", "echo hi"], ["sh", "-c", "echo hi"]),
        ([""], ["/bin/sh"]),
    ],
)
def test_exec_command_words(words: list[str], argv: list[str]) -> None:
    args = _parse(["docker_exec", *COMMON, *words])
    assert command_argv(args.exec_command) == argv


def test_flags_after_the_command_belong_to_it() -> None:
    args = _parse(["docker_exec", *COMMON, "-m", "task1", "-H", "host1", "sh", "-c", "echo -s"])
    assert (args.mesos_id, args.host, args.exec_command) == ("task1", "host1", ["sh", "-c", "echo -s"])


def test_an_unbalanced_quote_is_an_error(capsys) -> None:
    assert main(["docker_exec", *COMMON, "echo 'hi"]) == 1
    assert capsys.readouterr().err == 'Cannot parse the command "echo \'hi": No closing quotation\n'


@pytest.mark.parametrize("command", ["docker_exec", "docker_inspect", "docker_stop"])
def test_service_cluster_and_instance_are_required(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        _parse([command, "-s", "svc", "-c", "prod"])
    assert exited.value.code == 1
    assert "the following arguments are required: -i/--instance" in capsys.readouterr().err


def _task(task_id: str, host: str = "h1", state: str = "TASK_RUNNING") -> MarathonTask:
    return MarathonTask(id=task_id, app_id="/svc.main.gita.configb", host=host, state=state)


APPS = [
    MarathonAppState("/svc.main.gita.configold", tasks=(_task("t-staging", state="TASK_STAGING"),)),
    MarathonAppState("/svc.main.gita.configb", tasks=(_task("t1", "h1"), _task("t2", "h2"))),
]


def _query(**fields) -> TaskQuery:
    return TaskQuery("svc", "main", "prod", "/soa", **fields)


def test_the_first_running_task_or_the_one_asked_for() -> None:
    assert select_task(APPS, _query()).id == "t1"
    assert select_task(APPS, _query(host="h2")).id == "t2"
    assert select_task(APPS, _query(mesos_id="t2")).id == "t2"
    assert select_task(APPS, _query(mesos_id="t2", host="h2")).id == "t2"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (_query(host="h9"), "svc.main has no running task on host h9 in cluster prod (it runs on: h1, h2)"),
        (
            _query(mesos_id="t-staging"),
            "svc.main has no running task t-staging in cluster prod (its running tasks: t1, t2)",
        ),
        (_query(mesos_id="t1", host="h2"), "Task t1 of svc.main runs on host h1, not on h2"),
    ],
)  # fmt: skip
def test_why_no_task_fits(query: TaskQuery, message: str) -> None:
    with pytest.raises(TaskContainerError) as raised:
        select_task(APPS, query)
    assert str(raised.value) == message


def test_no_tasks_at_all() -> None:
    with pytest.raises(TaskContainerError, match=r"^svc\.main has no running task in cluster prod$"):
        select_task([], _query())


def test_a_task_on_another_host_names_where_to_run() -> None:
    require_local(_task("t1", "h1"), _query(), lambda host: host == "h1", "docker_exec")
    with pytest.raises(TaskContainerError) as raised:
        require_local(_task("t2", "h2"), _query(), lambda host: host == "h1", "docker_exec")
    assert str(raised.value) == (
        "Task t2 of svc.main runs on host h2, not on this machine: run 'paasta docker_exec' on h2 "
        "(this command does not log in to other hosts)"
    )
