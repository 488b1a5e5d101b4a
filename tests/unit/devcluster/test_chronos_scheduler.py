"""The Chronos scheduler on a controlled clock: schedule streams, epsilon, dependencies, deletes.

Runs the scheduler rounds directly (no HTTP) with the no-op executor, whose Chronos tasks succeed
at once, and an in-memory store.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paasta_tools.devcluster.chronos.jobs import ChronosRequestError, parse_job
from paasta_tools.devcluster.chronos.scheduler import ChronosScheduler
from paasta_tools.devcluster.cluster import Cluster, DevclusterSettings
from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.devcluster.store import Store

START = datetime(2017, 3, 15, 10, 0, 0, tzinfo=UTC).timestamp()


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> Store:
    return Store(None)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_scheduler(tmp_path: Path, store: Store, clock: Clock) -> ChronosScheduler:
    cluster = Cluster(DevclusterSettings(data_dir=tmp_path), NoopExecutor(), store=store)
    return ChronosScheduler(cluster, clock=clock)


@pytest.fixture
def scheduler(tmp_path: Path, store: Store, clock: Clock) -> ChronosScheduler:
    return make_scheduler(tmp_path, store, clock)


def tick(scheduler: ChronosScheduler) -> None:
    asyncio.run(scheduler.tick())


def scheduled(name: str, schedule: str, **extra: object) -> dict:
    return parse_job({"name": name, "command": "true", "schedule": schedule, **extra})


def dependent(name: str, parents: list[str], **extra: object) -> dict:
    return parse_job({"name": name, "command": "true", "parents": parents, **extra})


def test_a_job_within_the_horizon_is_rewritten_at_once_and_runs_when_due(
    scheduler: ChronosScheduler, clock: Clock
) -> None:
    scheduler.submit_scheduled(scheduled("svc main", "R/2017-03-15T10:00:02Z/PT1M"))
    assert scheduler.state.jobs["svc main"]["schedule"] == "R/2017-03-15T10:01:02.000Z/PT1M"
    assert list(scheduler.state.tasks) == [f"ct:{int((START + 2) * 1000)}:0:svc main:"]
    tick(scheduler)
    assert scheduler.state.jobs["svc main"]["successCount"] == 0
    assert scheduler.job_state("svc main") == "idle"
    clock.now = START + 2
    tick(scheduler)
    tick(scheduler)
    job = scheduler.state.jobs["svc main"]
    assert job["successCount"] == 1
    assert job["lastSuccess"]
    assert job["schedule"] == "R/2017-03-15T10:01:02.000Z/PT1M"
    assert [run.task_id for run in scheduler.state.runs_of("svc main")] == [f"ct:{int((START + 2) * 1000)}:0:svc main:"]


def test_occurrences_missed_by_more_than_epsilon_are_skipped(scheduler: ChronosScheduler, clock: Clock) -> None:
    scheduler.submit_scheduled(scheduled("late", "R/2017-03-15T08:10:00Z/PT1H", epsilon="PT30M"))
    # Skipping moves only the in-memory stream; the job is rewritten when an occurrence is queued.
    assert scheduler.state.jobs["late"]["schedule"] == "R/2017-03-15T08:10:00Z/PT1H"
    assert not scheduler.state.tasks
    clock.now = START + 9 * 60 + 30
    tick(scheduler)
    assert scheduler.state.jobs["late"]["schedule"] == "R/2017-03-15T11:10:00.000Z/PT1H"
    assert list(scheduler.state.tasks) == [f"ct:{int((START + 600) * 1000)}:0:late:"]
    scheduler.submit_scheduled(scheduled("within", "R/2017-03-15T09:45:00Z/PT1H", epsilon="PT30M"))
    assert scheduler.state.jobs["within"]["schedule"] == "R/2017-03-15T10:45:00.000Z/PT1H"
    assert [task.job for task in scheduler.state.tasks.values()].count("within") == 1


def test_every_occurrence_inside_the_horizon_is_queued_in_one_round(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("often", "R5/2017-03-15T10:00:10Z/PT20S"))
    assert scheduler.state.jobs["often"]["schedule"] == "R2/2017-03-15T10:01:10.000Z/PT20S"
    assert sorted(task.run_at - START for task in scheduler.state.tasks.values()) == [10, 30, 50]


def test_a_finite_schedule_counts_down_and_its_last_run_disables_it(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("once", "R1//PT24H"))
    assert scheduler.state.jobs["once"]["schedule"] == "R0/2017-03-16T09:59:59.000Z/PT24H"
    tick(scheduler)
    tick(scheduler)
    job = scheduler.state.jobs["once"]
    assert (job["successCount"], job["disabled"]) == (1, True)


def test_disabled_jobs_are_neither_scheduled_nor_run(scheduler: ChronosScheduler, clock: Clock) -> None:
    scheduler.submit_scheduled(scheduled("off", "R/2017-03-15T10:00:01Z/PT1M", disabled=True))
    clock.now = START + 120
    tick(scheduler)
    tick(scheduler)
    assert scheduler.state.jobs["off"]["schedule"] == "R/2017-03-15T10:00:01Z/PT1M"
    assert scheduler.state.jobs["off"]["successCount"] == 0
    scheduler.run_now("off")
    tick(scheduler)
    assert scheduler.state.jobs["off"]["successCount"] == 0
    assert not scheduler.state.tasks


def test_a_child_with_two_parents_runs_once_both_have_succeeded(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("a", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.submit_scheduled(scheduled("other svc b", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.submit_dependent(dependent("c", ["a", "other svc b"]))
    scheduler.run_now("a")
    for _ in range(3):
        tick(scheduler)
    assert scheduler.state.jobs["c"]["successCount"] == 0
    scheduler.run_now("a")
    for _ in range(3):
        tick(scheduler)
    assert scheduler.state.jobs["c"]["successCount"] == 0
    scheduler.run_now("other svc b")
    for _ in range(3):
        tick(scheduler)
    assert scheduler.state.jobs["c"]["successCount"] == 1


def test_a_single_parent_child_runs_after_each_success_and_manual_child_runs_ignore_parents(
    scheduler: ChronosScheduler,
) -> None:
    scheduler.submit_scheduled(scheduled("p", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.submit_dependent(dependent("c", ["p"]))
    scheduler.run_now("c")
    tick(scheduler)
    tick(scheduler)
    assert scheduler.state.jobs["c"]["successCount"] == 1
    scheduler.run_now("p")
    for _ in range(3):
        tick(scheduler)
    assert scheduler.state.jobs["c"]["successCount"] == 2


def test_dependency_cycles_and_unknown_parents_are_rejected(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("a", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.submit_dependent(dependent("b", ["a"]))
    with pytest.raises(ChronosRequestError) as caught:
        scheduler.submit_dependent(dependent("a", ["b"]))
    assert caught.value.status == 400
    with pytest.raises(ChronosRequestError):
        scheduler.submit_dependent(dependent("d", ["nope"]))


def test_deleting_parents_rewires_children(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("root", "R/2017-03-16T00:00:00Z/P1D", scheduleTimeZone="UTC"))
    scheduler.submit_scheduled(scheduled("other", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.submit_dependent(dependent("mid", ["root"]))
    scheduler.submit_dependent(dependent("leaf", ["mid"]))
    scheduler.submit_dependent(dependent("both", ["mid", "other"]))
    asyncio.run(scheduler.delete("mid"))
    assert scheduler.state.jobs["leaf"]["parents"] == ["root"]
    assert scheduler.state.jobs["both"]["parents"] == ["other", "root"]
    asyncio.run(scheduler.delete("root"))
    leaf = scheduler.state.jobs["leaf"]
    assert "parents" not in leaf
    assert (leaf["schedule"], leaf["scheduleTimeZone"]) == ("R/2017-03-16T00:00:00Z/P1D", "UTC")
    assert scheduler.state.jobs["both"]["parents"] == ["other"]
    with pytest.raises(ChronosRequestError) as caught:
        asyncio.run(scheduler.delete("root"))
    assert caught.value.body == "requirement failed: Job 'root' not found"


def test_cron_jobs_run_at_each_occurrence(scheduler: ChronosScheduler, clock: Clock) -> None:
    scheduler.submit_scheduled(scheduled("cron job", "*/5 * * * *"))
    assert scheduler.state.cursors["cron job"] == "2017-03-15T10:05:00+00:00"
    clock.now = START + 300 - 30
    tick(scheduler)
    assert scheduler.state.cursors["cron job"] == "2017-03-15T10:10:00+00:00"
    clock.now = START + 300
    tick(scheduler)
    tick(scheduler)
    assert scheduler.state.jobs["cron job"]["successCount"] == 1
    assert scheduler.state.jobs["cron job"]["schedule"] == "*/5 * * * *"


def test_manual_run_arguments_are_in_the_task_id_and_command(scheduler: ChronosScheduler, clock: Clock) -> None:
    scheduler.submit_scheduled(scheduled("args", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.run_now("args", "--date 2017;rm")
    task = next(iter(scheduler.state.tasks.values()))
    assert task.task_id == f"ct:{int(START * 1000)}:0:args:--date 2017rm"
    asyncio.run(scheduler.launch_due())
    assert scheduler.state.tasks[task.task_id].spec["cmd"] == "true --date 2017rm"
    assert scheduler.state.tasks[task.task_id].spec["env"]["CHRONOS_JOB_NAME"] == "args"
    assert scheduler.job_state("args") == "running"
    assert [task["name"] for task in scheduler.mesos_tasks()] == ["ChronosTask:args"]


def test_a_new_scheduler_on_the_same_store_keeps_jobs_counters_and_history(
    tmp_path: Path, store: Store, clock: Clock, scheduler: ChronosScheduler
) -> None:
    scheduler.submit_scheduled(scheduled("kept", "R/2017-03-16T00:00:00Z/P1D"))
    scheduler.run_now("kept")
    tick(scheduler)
    tick(scheduler)
    restarted = make_scheduler(tmp_path, store, clock)
    assert restarted.state.jobs == scheduler.state.jobs
    assert restarted.state.jobs["kept"]["successCount"] == 1
    assert len(restarted.state.runs_of("kept")) == 1
    assert restarted.framework_id == scheduler.framework_id


def test_a_failure_is_retried_after_the_failure_retry_delay(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("flaky", "R/2017-03-16T00:00:00Z/P1D", retries=1))
    scheduler.complete_async_task("ct:1:0:flaky:", 1)
    (retry,) = scheduler.state.tasks.values()
    assert (retry.task_id, retry.attempt, retry.run_at) == (f"ct:{int(START * 1000)}:1:flaky:", 1, START + 60.0)
    assert scheduler.state.jobs["flaky"]["errorCount"] == 0
    scheduler.complete_async_task(retry.task_id, 1)
    job = scheduler.state.jobs["flaky"]
    assert (job["errorCount"], job["errorsSinceLastSuccess"], job["lastError"]) == (1, 1, "2017-03-15T10:00:00.000Z")


def test_only_soft_errors_trigger_dependents(scheduler: ChronosScheduler) -> None:
    scheduler.submit_scheduled(scheduled("hard", "R/2017-03-16T00:00:00Z/P1D", retries=0))
    scheduler.submit_scheduled(scheduled("soft", "R/2017-03-16T00:00:00Z/P1D", retries=0, softError=True))
    scheduler.submit_dependent(dependent("after hard", ["hard"]))
    scheduler.submit_dependent(dependent("after soft", ["soft"]))
    scheduler.complete_async_task("ct:1:0:hard:", 2)
    scheduler.complete_async_task("ct:1:0:soft:", 2)
    assert [task.job for task in scheduler.state.tasks.values()] == ["after soft"]
    assert scheduler.state.jobs["soft"]["errorCount"] == 1


def test_a_task_whose_constraints_no_offer_meets_stays_queued(scheduler: ChronosScheduler) -> None:
    gpu_only = [["pool", "EQUALS", "gpu"]]
    scheduler.submit_scheduled(scheduled("picky", "R/2017-03-16T00:00:00Z/P1D", constraints=gpu_only))
    scheduler.run_now("picky")
    tick(scheduler)
    tick(scheduler)
    assert scheduler.job_state("picky") == "queued"
    assert scheduler.state.jobs["picky"]["successCount"] == 0
    default_pool = [["pool", "EQUALS", "default"]]
    scheduler.submit_scheduled(scheduled("picky", "R/2017-03-16T00:00:00Z/P1D", constraints=default_pool))
    tick(scheduler)
    tick(scheduler)
    assert scheduler.state.jobs["picky"]["successCount"] == 1
