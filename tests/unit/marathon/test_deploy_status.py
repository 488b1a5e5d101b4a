"""MarathonDeployStatus decision order (§4.12)."""

from __future__ import annotations

import pytest

from paasta_tools.marathon.deploy_status import (
    MarathonDeployStatus as S,
)
from paasta_tools.marathon.deploy_status import (
    QueueStatus,
    find_queue_status,
    get_deploy_status,
    queue_status_from_json,
)
from paasta_tools.marathon.tasks import MarathonAppState, app_state_from_json

RUNNING = MarathonAppState(id="/svc.main.gita.configb", instances=2, tasks_running=2)
DEPLOYING = MarathonAppState(id="/svc.main.gita.configb", instances=2, deployments=("d1",))
STOPPED = MarathonAppState(id="/svc.main.gita.configb", instances=0, tasks_running=0)
OVERDUE = QueueStatus("/svc.main.gita.configb", 1, 0.0, True)
BACKOFF = QueueStatus("/svc.main.gita.configb", 1, 12.5, False)


@pytest.mark.parametrize(
    ("app", "queue", "expected"),
    [
        (None, None, S.NotRunning),
        (None, OVERDUE, S.NotRunning),
        (DEPLOYING, OVERDUE, S.Waiting),
        (DEPLOYING, BACKOFF, S.Delayed),
        (DEPLOYING, None, S.Deploying),
        (STOPPED, None, S.Stopped),
        (RUNNING, None, S.Running),
        (RUNNING, QueueStatus("/x", 1, 0.0, False), S.Running),
    ],
)
def test_status_order(app, queue, expected) -> None:
    assert get_deploy_status(app, queue) is expected


def test_parse_queue_and_app_json() -> None:
    item = queue_status_from_json(
        {"app": {"id": "/svc.main.gita.configb"}, "count": 2, "delay": {"timeLeftSeconds": 7, "overdue": False}}
    )
    assert item == QueueStatus("/svc.main.gita.configb", 2, 7.0, False)
    assert find_queue_status([item], "svc.main.gita.configb") is item
    assert find_queue_status([item], "/other") is None
    app = app_state_from_json({"id": "/svc.main.gita.configb", "instances": 2, "deployments": [{"id": "u1"}]})
    assert get_deploy_status(app, find_queue_status([item], app.id)) is S.Delayed
    assert str(S.Delayed) == "Delayed"
