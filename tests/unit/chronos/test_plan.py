"""Planning Chronos writes (create / update / leave, parents first) and cleanup deletions."""

from __future__ import annotations

import datetime
from typing import Any

from paasta_tools.chronos.plan import (
    BrokenJob,
    JobAction,
    existing_jobs_by_name,
    job_action,
    plan_chronos_jobs,
    plan_cleanup,
)

NOW = datetime.datetime(2017, 4, 21, 12, 0, tzinfo=datetime.UTC)


def job(name: str, description: str = "configaaaaaaaa", parents: list[str] | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"name": name, "description": description, **extra}
    if parents is None:
        body["schedule"] = "R/2014-09-25T00:00:00Z/P1D"
    else:
        body["parents"] = parents
    return body


def actions(plan) -> list[tuple[str, JobAction]]:
    return [(planned.name, planned.action) for planned in plan.jobs]


def test_a_job_missing_from_chronos_is_created() -> None:
    assert job_action(job("svc a"), None) is JobAction.CREATE


def test_a_job_with_another_description_is_updated_and_the_same_one_left_alone() -> None:
    assert job_action(job("svc a", "config11111111"), job("svc a", "config22222222")) is JobAction.UPDATE
    # Chronos rewrites the schedule and counters; only the description (config hash) decides.
    moved = job("svc a", schedule="R/2099-01-01T00:00:00.000Z/P1D", successCount=4)
    assert job_action(job("svc a"), moved) is JobAction.UNCHANGED


def test_plan_orders_parents_before_children_and_only_writes_changes() -> None:
    desired = {
        "svc child": job("svc child", parents=["svc parent"]),
        "svc parent": job("svc parent", "confignew00000"),
        "svc alone": job("svc alone"),
        "other grandchild": job("other grandchild", parents=["svc child"]),
    }
    existing = [job("svc alone"), job("svc parent", "configold00000")]
    plan = plan_chronos_jobs(desired, existing)
    assert actions(plan) == [
        ("svc alone", JobAction.UNCHANGED),
        ("svc parent", JobAction.UPDATE),
        ("svc child", JobAction.CREATE),
        ("other grandchild", JobAction.CREATE),
    ]
    assert [planned.name for planned in plan.writes] == ["svc parent", "svc child", "other grandchild"]
    assert plan.broken == ()
    assert plan.writes[0].job is desired["svc parent"]


def test_a_parent_only_in_chronos_is_enough() -> None:
    plan = plan_chronos_jobs({"svc child": job("svc child", parents=["other load"])}, [job("other load")])
    assert actions(plan) == [("svc child", JobAction.CREATE)]


def test_a_missing_parent_breaks_the_job_and_its_children_but_not_the_others() -> None:
    desired = {
        "svc child": job("svc child", parents=["ghost job"]),
        "svc grandchild": job("svc grandchild", parents=["svc child"]),
        "svc fine": job("svc fine"),
    }
    plan = plan_chronos_jobs(desired, [])
    assert actions(plan) == [("svc fine", JobAction.CREATE)]
    assert plan.broken == (
        BrokenJob("svc child", "its parent 'ghost job' is neither in Chronos nor configured in soa-configs"),
        BrokenJob(
            "svc grandchild",
            "its parent 'svc child' cannot be set up "
            "(its parent 'ghost job' is neither in Chronos nor configured in soa-configs)",
        ),
    )


def test_a_broken_parent_that_chronos_already_has_does_not_block_its_children() -> None:
    desired = {
        "svc parent": job("svc parent", parents=["ghost job"]),
        "svc child": job("svc child", parents=["svc parent"]),
    }
    plan = plan_chronos_jobs(desired, [job("svc parent", parents=["old job"])])
    assert actions(plan) == [("svc child", JobAction.CREATE)]
    assert [broken.name for broken in plan.broken] == ["svc parent"]


def test_a_parent_cycle_breaks_the_jobs_in_it_and_behind_it() -> None:
    desired = {
        "svc a": job("svc a", parents=["svc b"]),
        "svc b": job("svc b", parents=["svc a"]),
        "svc c": job("svc c", parents=["svc b"]),
        "svc d": job("svc d"),
    }
    plan = plan_chronos_jobs(desired, [])
    assert actions(plan) == [("svc d", JobAction.CREATE)]
    assert {broken.name: broken.reason for broken in plan.broken} == {
        "svc a": "its parents form a cycle: svc a, svc b, svc c",
        "svc b": "its parents form a cycle: svc a, svc b, svc c",
        "svc c": "its parents form a cycle: svc a, svc b, svc c",
    }


def test_a_job_that_is_its_own_parent_is_broken() -> None:
    plan = plan_chronos_jobs({"svc a": job("svc a", parents=["svc a"])}, [])
    assert plan.jobs == ()
    assert plan.broken == (BrokenJob("svc a", "job 'svc a' names itself as a parent"),)


def test_temporary_jobs_in_chronos_are_not_mistaken_for_configured_ones() -> None:
    existing = [job("tmp-2017-04-20T153012123456 svc a"), {"description": "no name"}]
    assert list(existing_jobs_by_name(existing)) == []
    plan = plan_chronos_jobs({"svc a": job("svc a")}, existing)
    assert actions(plan) == [("svc a", JobAction.CREATE)]


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_cleanup_deletes_unconfigured_and_expired_temporary_jobs_only() -> None:
    long_ago = iso(NOW - datetime.timedelta(hours=25))
    recently = iso(NOW - datetime.timedelta(hours=23))
    existing = [
        job("svc kept"),
        job("svc removed"),
        job("tmp-2017-04-19T100000000000 svc kept", lastSuccess=long_ago),
        job("tmp-2017-04-19T100000000001 svc kept", lastError=long_ago, lastSuccess=""),
        job("tmp-2017-04-20T100000000000 svc kept", lastSuccess=recently),
        job("tmp-2017-04-21T110000000000 svc kept", lastSuccess="", lastError=""),
        job("not-a-paasta-job"),
    ]
    assert plan_cleanup(existing, {"svc kept"}, NOW) == [
        "not-a-paasta-job",
        "svc removed",
        "tmp-2017-04-19T100000000000 svc kept",
        "tmp-2017-04-19T100000000001 svc kept",
    ]


def test_children_of_a_job_that_could_not_be_built_are_broken_unless_chronos_has_it() -> None:
    desired = {"svc child": job("svc child", parents=["svc parent"])}
    plan = plan_chronos_jobs(desired, [], unbuildable=["svc parent"])
    assert plan.broken == (
        BrokenJob("svc child", "its parent 'svc parent' cannot be set up (its configuration cannot be used)"),
    )
    plan = plan_chronos_jobs(desired, [job("svc parent")], unbuildable=["svc parent"])
    assert actions(plan) == [("svc child", JobAction.CREATE)]
