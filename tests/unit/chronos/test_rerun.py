"""Rerun clones: instance mode, graph mode, related jobs, execution dates, cycles."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from paasta_tools.chronos.rerun import (
    RerunSource,
    RerunType,
    build_graph_rerun,
    build_instance_rerun,
    choose_rerun_type,
    clone_job,
    related_jobs,
    topological_order,
)
from paasta_tools.errors import RerunError

NOW = datetime.datetime(2017, 4, 20, 15, 30, 12, 123456)
PREFIX = "tmp-2017-04-20T153012123456"
EXECUTION_DATE = datetime.datetime(2016, 4, 25, 0, 0, 0)


def job(name: str, parents: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "command": "run --date 2017-04-19",
        "disabled": False,
        "description": "configabcdef12",
        "scheduleTimeZone": None,
        **extra,
    }
    if parents is None:
        body["schedule"] = "R/2014-09-25T00:00:00Z/P1D"
    else:
        body["parents"] = parents
    return body


RAW_CMD = "run --date %(shortdate-1)s"


def test_instance_rerun_of_a_scheduled_job() -> None:
    clone = build_instance_rerun(RerunSource(job("svc nightly"), RAW_CMD), EXECUTION_DATE, NOW)
    assert clone == {
        "name": f"{PREFIX} svc nightly",
        "command": "run --date 2016-04-24",
        "disabled": False,
        "description": "configabcdef12",
        "scheduleTimeZone": None,
        "schedule": "R1//PT1M",
    }


def test_instance_rerun_of_a_dependent_job_drops_its_parents() -> None:
    clone = build_instance_rerun(RerunSource(job("svc report", ["svc nightly"]), RAW_CMD), EXECUTION_DATE, NOW)
    assert "parents" not in clone
    assert clone["schedule"] == "R1//PT1M"
    assert clone["name"] == f"{PREFIX} svc report"


def test_instance_rerun_does_not_change_the_source() -> None:
    source = job("svc report", ["svc nightly"])
    build_instance_rerun(RerunSource(source, RAW_CMD), EXECUTION_DATE, NOW)
    assert source == job("svc report", ["svc nightly"])


def test_time_variables_need_an_execution_date() -> None:
    with pytest.raises(RerunError, match=r'"svc.nightly" uses time variables interpolation, please supply a `--'):
        build_instance_rerun(RerunSource(job("svc nightly"), RAW_CMD), None, NOW)


def test_without_time_variables_the_date_defaults_to_now() -> None:
    clone = build_instance_rerun(RerunSource(job("svc a", command="echo 100%"), "echo 100%%"), None, NOW)
    assert clone["command"] == "echo 100%"


def test_a_job_with_args_keeps_its_null_command() -> None:
    source = RerunSource(job("svc a", command=None, arguments=["x"]), None)
    assert build_instance_rerun(source, None, NOW)["command"] is None


def test_disabled_jobs_need_force() -> None:
    source = RerunSource(job("svc a", disabled=True), "echo")
    with pytest.raises(RerunError, match="svc.a is disabled; use `--force-disabled`"):
        build_instance_rerun(source, None, NOW)
    assert build_instance_rerun(source, None, NOW, force_disabled=True)["disabled"] is False


# a -> b -> d, a -> c -> d, x unrelated; e depends on d in another service
PARENTS = {
    "svc a": [],
    "svc b": ["svc a"],
    "svc c": ["svc a"],
    "svc d": ["svc c", "svc b"],
    "other e": ["svc d"],
    "svc x": [],
}


def test_related_jobs_follow_parents_both_ways() -> None:
    assert related_jobs(PARENTS, "svc b") == ["other e", "svc a", "svc b", "svc c", "svc d"]
    assert related_jobs(PARENTS, "svc x") == ["svc x"]


def test_choose_rerun_type() -> None:
    assert choose_rerun_type("svc x", ["svc x"], None) is RerunType.INSTANCE
    assert choose_rerun_type("svc b", ["svc a", "svc b"], RerunType.GRAPH) is RerunType.GRAPH
    with pytest.raises(RerunError, match=r"Job svc b has parent or child jobs \(svc a, svc c\)\. Use `--rerun-type"):
        choose_rerun_type("svc b", ["svc a", "svc b", "svc c"], None)


def test_topological_order_puts_parents_first() -> None:
    names = related_jobs(PARENTS, "svc a")
    assert topological_order(PARENTS, names) == ["svc a", "svc b", "svc c", "svc d", "other e"]


def test_cycles_are_refused_with_the_cycle() -> None:
    parents = {"s a": ["s c"], "s b": ["s a"], "s c": ["s b"], "s root": [], "s child": ["s a"]}
    with pytest.raises(RerunError, match=r"cycle: s a -> s c -> s b -> s a"):
        topological_order(parents, list(parents))


def sources_for(parents_by_job: dict[str, list[str]]) -> dict[str, RerunSource]:
    return {
        name: RerunSource(job(name, parents or None), RAW_CMD if name == "svc a" else "echo %(year)s")
        for name, parents in parents_by_job.items()
        if name != "svc x"
    }


def test_graph_rerun_clones_everything_with_one_prefix_in_order() -> None:
    clones = build_graph_rerun(sources_for(PARENTS), EXECUTION_DATE, NOW)
    assert [c["name"] for c in clones] == [f"{PREFIX} {n}" for n in ("svc a", "svc b", "svc c", "svc d", "other e")]
    first, *dependents = clones
    assert first["schedule"] == "R1//PT1M" and "parents" not in first
    assert first["command"] == "run --date 2016-04-24"
    assert dependents[2]["parents"] == [f"{PREFIX} svc c", f"{PREFIX} svc b"]
    assert all("schedule" not in c for c in dependents)
    assert {c["command"] for c in dependents} == {"echo 2016"}


def test_graph_rerun_refuses_a_parent_outside_the_rerun() -> None:
    sources = {"svc b": RerunSource(job("svc b", ["svc a"]), "echo")}
    with pytest.raises(RerunError, match="'svc b' depends on 'svc a', which is not being rerun"):
        build_graph_rerun(sources, None, NOW)


def test_graph_rerun_checks_every_job_for_time_variables() -> None:
    sources = {
        "svc a": RerunSource(job("svc a"), "echo plain"),
        "svc b": RerunSource(job("svc b", ["svc a"]), "echo %(year)s"),
    }
    with pytest.raises(RerunError, match='"svc.b" uses time variables'):
        build_graph_rerun(sources, None, NOW)


def test_clone_keep_parents_without_parents_runs_once_now() -> None:
    clone = clone_job(RerunSource(job("svc a"), None), "tmp-1", NOW, keep_parents=True)
    assert clone["schedule"] == "R1//PT1M"
    assert clone["command"] == "run --date 2017-04-19"
