"""Which tasks count, the 30% rules, clamping to [min, max] and the logged decision."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.autoscaling.decision import (
    DELAY_SCALE_DOWN_LINE,
    Decision,
    LogLine,
    autoscaling_tasks,
    decide,
    is_task_data_insufficient,
    new_instance_count,
)
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)
CHECK = {"protocol": "HTTP", "gracePeriodSeconds": 60, "intervalSeconds": 10}


def _task(name, alive=(), age_s=30, state="TASK_RUNNING"):
    return MarathonTask(
        id=name, host="127.0.0.1", started_at=NOW - datetime.timedelta(seconds=age_s), state=state, health_alive=alive
    )


def test_only_healthy_running_tasks_count_when_the_app_checks_health():
    tasks = (
        _task("healthy", (True,)),
        _task("failing", (True, False)),
        _task("new-unchecked", (), age_s=100),  # 60 + 5 * 10 = 110 s not reached yet
        _task("old-unchecked", (), age_s=111),  # Marathon stopped checking it: counted
        _task("killing", (True,), state="TASK_KILLING"),
    )
    app = MarathonAppState(id="/svc.main.gitabc.config1", tasks=tasks, health_checks=(CHECK,))
    assert [t.id for t in autoscaling_tasks(app, NOW)] == ["healthy", "old-unchecked"]


def test_without_health_checks_every_running_task_counts():
    app = MarathonAppState(id="/a", tasks=(_task("a"), _task("b", state="TASK_STAGING")))
    assert [t.id for t in autoscaling_tasks(app, NOW)] == ["a"]
    assert autoscaling_tasks(None, NOW) == []


@pytest.mark.parametrize(("tasks", "insufficient"), [(7, False), (6, True), (13, False), (14, True), (10, False)])
def test_task_data_is_insufficient_beyond_thirty_percent(tasks, insufficient):
    assert is_task_data_insufficient(tasks, 10) is insufficient


@pytest.mark.parametrize(
    ("current", "delta", "bounds", "expected"),
    [
        (10, -5, (1, 20), 7),  # never below 70% of the current count in one run
        (10, 15, (1, 20), 20),  # clamped to max_instances
        (3, -2, (2, 5), 2),  # clamped to min_instances
        (4, 1, (1, 10), 5),
    ],
)
def test_new_count(current, delta, bounds, expected):
    assert new_instance_count(current, delta, *bounds) == expected


def test_staying_is_a_debug_line_and_writes_nothing():
    assert decide(4, 4, 0.0, False) == Decision(
        None, (LogLine("debug", "Staying at 4 instances (utilization within thresholds)"),)
    )


def test_scaling_is_an_event_and_writes_the_count():
    decision = decide(4, 6, 0.25, False)
    assert decision.new_instances == 6
    assert decision.log_lines == (LogLine("event", "Scaling from 4 to 6 instances (25% overutilized)"),)


def test_scale_down_waits_for_enough_tasks_but_scale_up_does_not():
    assert decide(10, 8, -0.2, True) == Decision(None, (LogLine("event", DELAY_SCALE_DOWN_LINE),))
    assert decide(10, 12, 0.2, True).new_instances == 12


def test_a_count_cut_by_the_thirty_percent_rule_logs_the_raw_data():
    decision = decide(10, 7, -0.5, False, {"100.0": "1.0:a"})
    assert decision.new_instances == 7
    assert decision.log_lines[0] == LogLine("debug", "Autoscaler clamped: {'100.0': '1.0:a'}")
    assert decision.log_lines[1].line == "Scaling from 10 to 7 instances (50% underutilized)"
