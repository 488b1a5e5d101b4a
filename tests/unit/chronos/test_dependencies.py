"""parents_first: the write order of setup (plan.py) and of graph reruns (rerun.py)."""

from __future__ import annotations

from paasta_tools.chronos.dependencies import parents_first


def test_parents_come_first_and_ties_go_by_name() -> None:
    order, stuck = parents_first({"c": ["a"], "b": [], "a": [], "d": ["c", "b"]})
    assert order == ["a", "b", "c", "d"]
    assert stuck == set()


def test_parents_outside_the_names_do_not_count() -> None:
    assert parents_first({"b": ["elsewhere"], "a": ["b"]}) == (["b", "a"], set())


def test_a_cycle_and_what_waits_behind_it_are_stuck() -> None:
    order, stuck = parents_first({"x": ["y"], "y": ["x"], "z": ["y"], "free": []})
    assert order == ["free"]
    assert stuck == {"x", "y", "z"}


def test_a_job_that_names_itself_is_stuck() -> None:
    assert parents_first({"self": ["self"]}) == ([], {"self"})
