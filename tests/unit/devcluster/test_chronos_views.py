"""Graph CSV/DOT and job statistics built from job documents and run records."""

from __future__ import annotations

from paasta_tools.devcluster.chronos.jobs import parse_job
from paasta_tools.devcluster.chronos.state import RunRecord
from paasta_tools.devcluster.chronos.views import graph_csv, graph_dot, histogram, job_stat, slowest_jobs


def run(job: str, seconds: float, state: str = "TASK_FINISHED", code: int | None = 0, start: float = 1e9) -> RunRecord:
    return RunRecord(f"ct:1:0:{job}:", job, 0, state, code, "", start, start + seconds)


def test_graph_csv_lines() -> None:
    jobs = [
        parse_job({"name": "a", "command": "c", "lastSuccess": "2017-01-01T00:00:00.000Z"}),
        parse_job({"name": "b", "command": "c", "parents": ["a"]}),
    ]
    states = {"a": "running", "b": "idle"}
    text = graph_csv(jobs, [("a", "b")], states.__getitem__)
    assert text == "node,a,success,running\nnode,b,fresh,idle\nlink,a,b\n"
    assert '"a" -> "b";' in graph_dot(jobs, [("a", "b")])
    assert '"a" [fillcolor="green"];' in graph_dot(jobs, [("a", "b")])


def test_histogram_counts_successful_runs_only() -> None:
    runs = [run("a", 1.0), run("a", 3.0), run("a", 100.0, "TASK_FAILED", 1)]
    summary = histogram(runs)
    assert summary["count"] == 2
    assert summary["mean"] == 2.0
    assert summary["median"] == 2.0
    assert histogram([])["count"] == 0


def test_job_stat_shows_newest_run_first_with_chronos_formats() -> None:
    runs = [run("a", 65.0, start=1489573230.0), run("a", 2.0, "TASK_FAILED", 1, start=1489573330.0)]
    stat = job_stat(runs, "agent-S0")
    first, second = stat["taskStatHistory"]
    assert first["status"] == "fail"
    assert second == {
        "taskId": "ct:1:0:a:",
        "jobName": "a",
        "slaveId": "agent-S0",
        "startTime": "03/15/17 10:20:30",
        "endTime": "03/15/17 10:21:35",
        "duration": "1m5s",
        "status": "success",
    }


def test_slowest_jobs_first() -> None:
    rows = slowest_jobs({"fast": [run("fast", 1.0)], "slow": [run("slow", 9.0)], "never": []}, "mean")
    assert rows == [{"jobNameLabel": "slow", "time": 9.0}, {"jobNameLabel": "fast", "time": 1.0}]
