"""metastatus checks and blocks from inline Mesos/Marathon/Chronos data, with upstream's texts."""

from __future__ import annotations

from paasta_tools.status import metastatus as m
from paasta_tools.status.colors import PLAIN, Palette

METRICS = {
    "master/cpus_total": 8.0,
    "master/cpus_used": 2.0,
    "master/mem_total": 4096.0,
    "master/mem_used": 1024.0,
    "master/disk_total": 10240.0,
    "master/disk_used": 9728.0,
    "master/tasks_running": 3.0,
    "master/tasks_staging": 1.0,
    "master/tasks_starting": 0.0,
    "master/slaves_active": 1.0,
    "master/slaves_inactive": 0.0,
}
STATE = {
    "frameworks": [{"name": "marathon"}, {"name": "chronos"}],
    "slaves": [
        {
            "hostname": "h1",
            "attributes": {"region": "east"},
            "resources": {"cpus": 4.0, "mem": 2048.0, "disk": 5120.0},
            "used_resources": {"cpus": 1.0, "mem": 1024.0, "disk": 5000.0},
        },
        {
            "hostname": "h2",
            "attributes": {"region": "east"},
            "resources": {"cpus": 4.0, "mem": 2048.0, "disk": 5120.0},
            "used_resources": {"cpus": 1.0, "mem": 0.0, "disk": 4728.0},
        },
    ],
}


def test_mesos_results() -> None:
    results = m.mesos_results(STATE, METRICS, PLAIN)
    assert [r.message for r in results] == [
        "CPUs: 2.00 / 8 in use (25.00%)",
        "Memory: 1.00 / 4.00GB used (25.00%)",
        "CRITICAL: Less than 10% disk available. (Currently using 95.00%)",
        "Tasks: running: 3 staging: 1 starting: 0",
        "Slaves: active: 1 inactive: 0",
        "Frameworks:\n    Framework: chronos count: 1\n    Framework: marathon count: 1",
    ]
    assert [r.healthy for r in results] == [True, True, False, True, True, True]
    cpu = m.assert_cpu_health({"master/cpus_total": 4, "master/cpus_used": 3.8}, 10, PLAIN)
    assert cpu == m.HealthCheckResult("CRITICAL: Less than 10% CPUs available. (Currently using 95.00% of 4)", False)
    duplicate = m.assert_no_duplicate_frameworks({"frameworks": [{"name": "marathon"}, {"name": "marathon"}]})
    assert not duplicate.healthy
    assert "CRITICAL: Framework marathon has 2 instances running--expected no more than 1." in duplicate.message


def test_marathon_and_chronos_results() -> None:
    assert [r.message for r in m.marathon_results(2, 5, 1)] == [
        "marathon apps:          2",
        "marathon tasks:         5",
        "marathon deployments:   1",
    ]
    empty = m.marathon_results(0, 0, 0)
    assert [r.healthy for r in empty] == [False, False, True]
    assert empty[0].message == "CRITICAL: No marathon apps running"
    jobs = [{"name": "svc a"}, {"name": "svc b"}, {"name": "svc c", "disabled": True}]
    graph = "node,svc a,success,queued\nnode,svc b,failure,idle\nnode,svc c,success,queued\n"
    assert [r.message for r in m.chronos_results(jobs, graph)] == ["Enabled chronos jobs: 2", "Jobs Queued: 1 (50%)"]


def test_summary_lines_show_failures_or_everything_with_verbose() -> None:
    results = [m.HealthCheckResult("fine", True), m.HealthCheckResult("CRITICAL: bad\nmore", False)]
    assert m.summary_lines("Mesos", results, 0, PLAIN) == ["Mesos Status: CRITICAL", "  CRITICAL: bad", "  more"]
    assert m.summary_lines("Mesos", results, 1, PLAIN)[1] == "  fine"
    assert m.summary_lines("Chronos", m.not_configured("Chronos"), 0, Palette()) == [
        "Chronos Status: \033[32mOK\033[0m"
    ]


def test_resource_tables_and_dashboards() -> None:
    assert m.grouping_lines(STATE, "region", PLAIN) == [
        "  Resources Grouped by region",
        "    Region  CPU (free/total)  RAM (free/total)  Disk (free/total)",
        "    east    6.00/8.00         3072.00/4096.00   512.00/10240.00",
    ]
    assert m.per_slave_lines(STATE, PLAIN, humanize=True)[2:] == [
        "    h1        3.00/4.00         1.0GiB/2.0GiB     0.1GiB/5.0GiB",
        "    h2        3.00/4.00         2.0GiB/2.0GiB     0.4GiB/5.0GiB",
    ]
    assert m.dashboard_lines("c1", {"Mesos": "http://m", "Marathon": "http://mt"}, PLAIN) == [
        "Dashboards:",
        "  Marathon: http://mt",
        "  Mesos:    http://m",
    ]
    assert m.dashboard_lines("c1", {}, PLAIN) == ["No dashboards configured for c1!"]
