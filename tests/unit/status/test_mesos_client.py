"""The Mesos client's pure helpers: agent addresses from pids, sandboxes from agent state."""

from __future__ import annotations

import pytest

from paasta_tools.clients.mesos import MesosAgentClient, MesosMasterClient, agent_url_from_pid
from paasta_tools.errors import MesosError


def test_agent_url_from_pid() -> None:
    assert agent_url_from_pid("slave(1)@10.0.0.1:5051") == "http://10.0.0.1:5051"
    with pytest.raises(MesosError, match="cannot find the agent address in its pid 'nonsense'"):
        agent_url_from_pid("nonsense")


def test_sandbox_directory_of_active_and_completed_tasks() -> None:
    state = {
        "frameworks": [
            {
                "executors": [{"id": "t1", "directory": "/sandboxes/t1", "tasks": [{"id": "t1"}]}],
                "completed_executors": [
                    {"id": "exec-2", "directory": "/sandboxes/t2", "completed_tasks": [{"id": "t2"}]}
                ],
            }
        ]
    }
    agent = MesosAgentClient("http://127.0.0.1:5051/")
    assert agent.url == "http://127.0.0.1:5051"
    assert agent.sandbox_directory(state, "t1") == "/sandboxes/t1"
    assert agent.sandbox_directory(state, "t2") == "/sandboxes/t2"
    assert agent.sandbox_directory(state, "t3") is None


def test_a_master_needs_a_url() -> None:
    with pytest.raises(MesosError, match="no mesos_url"):
        MesosMasterClient("")
