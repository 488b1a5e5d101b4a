"""Last-run state, job ordering, overdue jobs and the scheduler graph CSV."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.chronos.last_run import (
    GraphNode,
    LastRun,
    LastRunState,
    get_job_state,
    get_status_last_run,
    is_expired_tmp_job,
    job_is_stuck,
    parse_chronos_time,
    parse_scheduler_graph,
    parse_scheduler_graph_links,
    sort_jobs,
)

EARLY = "2017-03-15T10:00:00.000Z"
LATE = "2017-03-15T11:00:00.000Z"


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        ({}, LastRun(LastRunState.NOT_RUN, None)),
        ({"lastSuccess": "", "lastError": ""}, LastRun(LastRunState.NOT_RUN, None)),
        ({"lastSuccess": EARLY, "lastError": ""}, LastRun(LastRunState.SUCCESS, EARLY)),
        ({"lastSuccess": "", "lastError": EARLY}, LastRun(LastRunState.FAIL, EARLY)),
        ({"lastSuccess": LATE, "lastError": EARLY}, LastRun(LastRunState.SUCCESS, LATE)),
        ({"lastSuccess": EARLY, "lastError": LATE}, LastRun(LastRunState.FAIL, LATE)),
        ({"lastSuccess": EARLY, "lastError": EARLY}, LastRun(LastRunState.FAIL, EARLY)),
    ],
)
def test_last_run_state(job: dict[str, str], expected: LastRun) -> None:
    assert get_status_last_run(job) == expected


def test_last_run_time() -> None:
    assert LastRun(LastRunState.SUCCESS, LATE).time == datetime.datetime(2017, 3, 15, 11, tzinfo=datetime.UTC)
    assert parse_chronos_time("2017-03-15T11:00:00+01:00") == datetime.datetime(2017, 3, 15, 10, tzinfo=datetime.UTC)
    assert parse_chronos_time("garbage") is None
    assert parse_chronos_time("") is None


def test_sort_jobs_newest_first_never_run_last() -> None:
    jobs = [
        {"name": "never", "lastSuccess": "", "lastError": ""},
        {"name": "early", "lastSuccess": EARLY, "lastError": ""},
        {"name": "late-error", "lastSuccess": EARLY, "lastError": LATE},
    ]
    assert [j["name"] for j in sort_jobs(jobs)] == ["late-error", "early", "never"]


def test_job_is_stuck() -> None:
    now = datetime.datetime(2017, 3, 15, 12, 0, 1, tzinfo=datetime.UTC)
    assert job_is_stuck(LATE, 3600, now)
    assert not job_is_stuck(LATE, 3601, now)
    assert not job_is_stuck(None, 60, now)
    assert not job_is_stuck(LATE, None, now)


GRAPH = """node,svc nightly,success,idle
node,svc report,fresh,queued
node,tmp-2017 svc report,failure,1 running
link,svc nightly,svc report
garbage
"""


def test_parse_scheduler_graph() -> None:
    nodes = parse_scheduler_graph(GRAPH)
    assert nodes["svc nightly"] == GraphNode("svc nightly", "success", "idle")
    assert nodes["tmp-2017 svc report"].is_running
    assert not nodes["svc report"].is_running
    assert len(nodes) == 3
    assert parse_scheduler_graph_links(GRAPH) == [("svc nightly", "svc report")]
    assert get_job_state(GRAPH, "svc report") == "queued"
    assert get_job_state(GRAPH, "svc missing") is None


@pytest.mark.parametrize(
    ("job", "expired"),
    [
        ({"name": "tmp-2017 svc job", "lastSuccess": EARLY, "lastError": ""}, True),
        ({"name": "tmp-2017 svc job", "lastSuccess": "", "lastError": EARLY}, True),
        ({"name": "tmp-2017 svc job", "lastSuccess": LATE, "lastError": ""}, False),
        ({"name": "tmp-2017 svc job", "lastSuccess": "", "lastError": ""}, False),
        ({"name": "svc job", "lastSuccess": EARLY, "lastError": ""}, False),
        ({"name": "broken", "lastSuccess": EARLY, "lastError": ""}, False),
    ],
)
def test_expired_tmp_jobs(job: dict[str, str], expired: bool) -> None:
    now = datetime.datetime(2017, 3, 16, 10, 30, tzinfo=datetime.UTC)  # 24.5 h after EARLY, 23.5 h after LATE
    assert is_expired_tmp_job(job, now) is expired
