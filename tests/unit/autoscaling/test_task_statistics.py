"""Reading an agent's ``/monitor/statistics`` answer (no network: the parsed JSON only)."""

from __future__ import annotations

from paasta_tools.clients.task_metrics import statistics_by_executor


def test_statistics_are_keyed_by_executor_id_and_malformed_entries_skipped():
    entries = [
        {"executor_id": "svc.main.1", "framework_id": "f", "statistics": {"cpus_limit": 0.5, "timestamp": 1.0}},
        {"executor_id": "svc.main.2"},
        {"statistics": {"cpus_limit": 1.0}},
        "junk",
    ]
    assert statistics_by_executor(entries) == {"svc.main.1": {"cpus_limit": 0.5, "timestamp": 1.0}}
    assert statistics_by_executor({"not": "a list"}) == {}
