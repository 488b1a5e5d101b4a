"""Happy tasks (§5.2)."""

from __future__ import annotations

import datetime

from paasta_tools.marathon.happy_tasks import get_happy_tasks, hosts_to_check_in_haproxy, is_task_healthy
from paasta_tools.marathon.tasks import MarathonTask, task_from_json

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)
HC = [{"protocol": "HTTP", "path": "/status"}]


def _task(tid: str, started_ago: float | None = 120, alive: tuple[bool, ...] = (), host="h1", port=31000):
    started = None if started_ago is None else NOW - datetime.timedelta(seconds=started_ago)
    return MarathonTask(id=tid, host=host, ports=(port,), started_at=started, health_alive=alive)


def test_not_started_is_never_happy() -> None:
    assert get_happy_tasks([_task("a", started_ago=None)], [], NOW) == []


def test_min_task_uptime() -> None:
    young, old = _task("young", started_ago=5), _task("old", started_ago=50)
    assert get_happy_tasks([young, old], [], NOW, min_task_uptime=10) == [old]
    assert get_happy_tasks([young, old], [], NOW) == [young, old]


def test_health_checks_need_at_least_one_result_and_one_alive() -> None:
    none, dead, mixed, alive = (
        _task("n"),
        _task("d", alive=(False,)),
        _task("m", alive=(False, True)),
        _task("a", alive=(True,)),
    )
    assert get_happy_tasks([none, dead, mixed, alive], HC, NOW) == [mixed, alive]
    # without health checks, no results means healthy, but a dead result still counts
    assert get_happy_tasks([none, dead, mixed, alive], [], NOW) == [none, mixed, alive]


def test_haproxy_check_matches_host_or_ip_and_first_port() -> None:
    by_host = _task("h", alive=(True,), host="10.0.0.1", port=31000)
    by_ip = MarathonTask(id="i", host="agent2", ports=(31001, 5), started_at=NOW, ip_addresses=("10.0.0.2",))
    down = _task("x", alive=(True,), host="10.0.0.3", port=31002)
    up = {("10.0.0.1", 31000), ("10.0.0.2", 31001)}
    assert get_happy_tasks([by_host, by_ip, down], [], NOW, haproxy_up=up) == [by_host, by_ip]
    assert get_happy_tasks([by_host], [], NOW, haproxy_up=set()) == []


def test_task_from_marathon_json() -> None:
    task = task_from_json(
        {
            "id": "svc_main.abc",
            "appId": "/svc.main.gitx.configy",
            "host": "agent1",
            "ports": [31756],
            "startedAt": "2017-03-15T10:18:30.000Z",
            "stagedAt": "2017-03-15T10:18:29Z",
            "state": "TASK_RUNNING",
            "healthCheckResults": [{"alive": True, "consecutiveFailures": 0}],
        }
    )
    assert task.started_at == NOW - datetime.timedelta(minutes=2)
    assert task.ports == (31756,) and task.health_alive == (True,)
    assert get_happy_tasks([task], HC, NOW, min_task_uptime=60) == [task]
    assert is_task_healthy(task, require_all=True)


def test_hosts_to_check() -> None:
    assert hosts_to_check_in_haproxy([_task("a", host="b"), _task("c", host="a"), _task("d", host="b")]) == ["a", "b"]


def test_bounce_health_params() -> None:
    from paasta_tools.errors import InvalidInstanceConfig
    from paasta_tools.marathon.happy_tasks import HappyTaskParams, get_happy_tasks_of_app, happy_task_params
    from paasta_tools.marathon.tasks import MarathonAppState

    assert happy_task_params({}) == HappyTaskParams(None, False)
    params = happy_task_params({"check_haproxy": True, "min_task_uptime": 30})
    assert params == HappyTaskParams(30, True)
    for bad in ({"check_haproxi": True}, {"min_task_uptime": "soon"}):
        try:
            happy_task_params(bad)
        except InvalidInstanceConfig as exc:
            assert "bounce_health_params" in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")
    young, old = _task("young", started_ago=5, port=1), _task("old", started_ago=50, port=2)
    app = MarathonAppState(id="/svc.main.gita.configb", instances=2, tasks=(young, old))
    assert get_happy_tasks_of_app(app, NOW, params, {("h1", 2)}) == [old]
    assert get_happy_tasks_of_app(app, NOW, params) == []
    assert get_happy_tasks_of_app(app, NOW) == [young, old]


def test_matching_apps() -> None:
    from paasta_tools.marathon.tasks import MarathonAppState, get_matching_apps

    apps = [
        MarathonAppState(id=i) for i in ("/my--svc.main.gita.configb", "/my--svc.main2.gita.configb", "/x.main.a.b")
    ]
    assert [a.id for a in get_matching_apps(apps, "my_svc", "main")] == ["/my--svc.main.gita.configb"]


def test_timestamps() -> None:
    import pytest

    from paasta_tools.errors import MarathonError
    from paasta_tools.marathon.tasks import parse_marathon_time

    assert parse_marathon_time("2017-03-15T10:20:30Z") == NOW
    assert parse_marathon_time("2017-03-15T10:20:30.000+00:00") == NOW
    assert parse_marathon_time(None) is None
    with pytest.raises(MarathonError, match="'yesterday'"):
        parse_marathon_time("yesterday")


def test_a_killing_task_is_never_happy() -> None:
    running = MarathonTask(id="r", started_at=NOW - datetime.timedelta(seconds=120), state="TASK_RUNNING")
    killing = MarathonTask(id="k", started_at=NOW - datetime.timedelta(seconds=120), state="TASK_KILLING")
    assert get_happy_tasks([running, killing], [], NOW) == [running]
