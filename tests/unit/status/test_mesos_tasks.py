"""The Mesos task rows and tables shared by the Marathon and Chronos status renderers."""

from __future__ import annotations

import datetime

from paasta_tools.status.colors import PLAIN
from paasta_tools.status.mesos_tasks import (
    NON_RUNNING_TASKS_SHOWN,
    MesosTaskRow,
    TailedTaskRow,
    mesos_task_rows,
    non_running_table,
    running_and_recent,
    running_task_cells,
)

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)


def _state() -> dict:
    task = {"id": "t1", "slave_id": "S1", "state": "TASK_RUNNING", "resources": {"mem": 64.0, "cpus": 0.5}}
    done = {"id": "t2", "slave_id": "S9", "state": "TASK_FINISHED", "statuses": [{"timestamp": NOW.timestamp()}]}
    return {
        "slaves": [{"id": "S1", "hostname": "agent1"}],
        "frameworks": [{"tasks": [task], "completed_tasks": [done]}],
    }


def test_rows_of_running_and_completed_tasks() -> None:
    running, done = mesos_task_rows(_state())
    assert running == MesosTaskRow("t1", "agent1", 64.0, 0.5, None, "TASK_RUNNING")
    assert done == MesosTaskRow("t2", "Unknown", None, None, NOW, "TASK_FINISHED")
    assert type(mesos_task_rows(_state(), TailedTaskRow)[0]) is TailedTaskRow
    assert mesos_task_rows(None) == []


def test_running_and_the_newest_others() -> None:
    others = [
        MesosTaskRow(f"o{n}", "h", None, None, NOW - datetime.timedelta(minutes=n), "TASK_FAILED") for n in range(12)
    ]
    unknown_time = MesosTaskRow("u", "h", None, None, None, "TASK_LOST")
    running = MesosTaskRow("r", "h", None, None, None, "TASK_RUNNING")
    got_running, got_others = running_and_recent([unknown_time, *reversed(others), running])
    assert got_running == (running,)
    assert [r.task_id for r in got_others] == [f"o{n}" for n in range(NON_RUNNING_TASKS_SHOWN)]


def test_table_cells() -> None:
    row = MesosTaskRow("svc.main.x.y.uuid1", "agent1", 64.0, None, None, "TASK_KILLED")
    assert running_task_cells(row, "uuid1", NOW) == ("uuid1", "agent1", "64MB", "?", "Unknown")
    assert non_running_table([row], str, NOW, PLAIN) == [
        ("Mesos Task ID", "Host deployed to", "Deployed at what localtime", "Status"),
        ("svc.main.x.y.uuid1", "agent1", "Unknown", "TASK_KILLED"),
    ]
