"""AgentStatistics against a recording HTTP server standing in for a Mesos master and its agent."""

from __future__ import annotations

from paasta_tools.clients.task_metrics import AgentStatistics
from tests.integration.http_recorder import serve_recorder

TASKS = [("svc.main.1", "agent1"), ("svc.main.2", "agent1"), ("svc.main.3", "agent1")]


def _paths(recorder) -> list[str]:
    return [request.path for request in recorder.requests]


def test_a_master_that_cannot_list_its_agents_is_asked_once_per_run():
    with serve_recorder() as master:
        master.on("GET", "/master/slaves", status=503, body={"message": "not the leader"})
        statistics = AgentStatistics(master.url, timeout=5)
        assert statistics.of_tasks(TASKS) == {}
        assert statistics.of_tasks([("other.main.1", "agent2")]) == {}
        assert _paths(master) == ["/master/slaves"]


def test_an_agent_that_cannot_be_read_is_asked_once_per_run():
    with serve_recorder() as server:
        address = server.url.removeprefix("http://")
        slaves = {"slaves": [{"hostname": "agent1", "pid": f"slave(1)@{address}"}]}
        server.on("GET", "/master/slaves", body=slaves)
        server.on("GET", "/monitor/statistics", status=500, body={"message": "overloaded"})
        statistics = AgentStatistics(server.url, timeout=5)
        assert statistics.of_tasks(TASKS) == {}
        assert _paths(server) == ["/master/slaves", "/monitor/statistics"]


def test_statistics_of_the_tasks_an_agent_runs():
    with serve_recorder() as server:
        address = server.url.removeprefix("http://")
        server.on("GET", "/master/slaves", body={"slaves": [{"hostname": "agent1", "pid": f"slave(1)@{address}"}]})
        entries = [{"executor_id": "svc.main.1", "statistics": {"cpus_limit": 0.3}}]
        server.on("GET", "/monitor/statistics", body=entries)
        statistics = AgentStatistics(server.url, timeout=5)
        assert statistics.of_tasks(TASKS) == {"svc.main.1": {"cpus_limit": 0.3}}
        assert _paths(server) == ["/master/slaves", "/monitor/statistics"]
