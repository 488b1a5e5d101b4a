"""Mesos master JSON computed from frameworks' tasks and the agent."""

from __future__ import annotations

from paasta_tools.devcluster.mesos.state import (
    AgentView,
    FrameworkView,
    MasterView,
    metrics_snapshot,
    slaves_json,
    state_json,
    sum_resources,
    tasks_json,
)

AGENT = AgentView("agent-S0", "127.0.0.1", 2.0, 4096.0, 10000.0, (31000, 32000), {"region": "r1", "pool": "default"})


def task(task_id: str, state: str, cpus: float, mem: float, ports: str | None = None, ts: float = 1.0) -> dict:
    resources = {"cpus": cpus, "mem": mem, "disk": 0.0}
    if ports:
        resources["ports"] = ports
    return {"id": task_id, "state": state, "resources": resources, "statuses": [{"state": state, "timestamp": ts}]}


def view() -> MasterView:
    marathon = FrameworkView(
        "fw-m",
        "marathon",
        "http://127.0.0.1:8080",
        [
            task("a", "TASK_RUNNING", 0.5, 512, "[31000-31000]", 3),
            task("b", "TASK_STAGING", 0.25, 256, "[31001-31001]", 4),
        ],
        [task("c", "TASK_FAILED", 1, 1, ts=1)],
    )
    chronos = FrameworkView("fw-c", "chronos", "http://127.0.0.1:8081", [task("d", "TASK_RUNNING", 0.1, 128, ts=2)])
    return MasterView("master-1", "dev", "127.0.0.1", 5050, 100.0, 160.0, AGENT, (marathon, chronos), "zk://x/mesos")


def test_used_resources_sum_active_tasks_and_merge_port_ranges() -> None:
    used = sum_resources(view().frameworks[0].tasks)
    assert used == {"disk": 0.0, "mem": 768.0, "gpus": 0.0, "cpus": 0.75, "ports": "[31000-31001]"}
    assert sum_resources([task("x", "TASK_FINISHED", 9, 9)])["cpus"] == 0.0


def test_state_has_the_agent_the_frameworks_and_their_tasks() -> None:
    state = state_json(view())
    assert state["leader"] == state["pid"] == "master@127.0.0.1:5050"
    assert state["flags"]["quorum"] == "1" and state["cluster"] == "dev"
    (slave,) = state["slaves"]
    assert slave["attributes"] == {"region": "r1", "pool": "default"}
    assert slave["resources"] == {"disk": 10000.0, "mem": 4096.0, "gpus": 0.0, "cpus": 2.0, "ports": "[31000-32000]"}
    assert slave["used_resources"]["mem"] == 896.0
    marathon, chronos = state["frameworks"]
    assert (marathon["name"], marathon["webui_url"], chronos["id"]) == ("marathon", "http://127.0.0.1:8080", "fw-c")
    assert [t["id"] for t in marathon["tasks"]] == ["a", "b"]
    assert [t["id"] for t in marathon["completed_tasks"]] == ["c"]
    assert marathon["used_resources"]["cpus"] == 0.75
    assert slaves_json(view())["slaves"] == state["slaves"]


def test_metrics_snapshot_counts_resources_and_task_states() -> None:
    metrics = metrics_snapshot(view())
    assert (metrics["master/cpus_total"], metrics["master/cpus_used"]) == (2.0, 0.85)
    assert (metrics["master/mem_total"], metrics["master/mem_used"]) == (4096.0, 896.0)
    assert metrics["master/tasks_running"] == 2.0
    assert metrics["master/tasks_staging"] == 1.0
    assert metrics["master/tasks_failed"] == 1.0
    assert metrics["master/slaves_active"] == 1.0 and metrics["master/frameworks_active"] == 2.0
    assert metrics["master/uptime_secs"] == 60.0


def test_tasks_are_paged_and_ordered() -> None:
    assert [t["id"] for t in tasks_json(view())["tasks"]] == ["b", "a", "d", "c"]
    assert [t["id"] for t in tasks_json(view(), limit=2, offset=1, order="asc")["tasks"]] == ["d", "a"]
