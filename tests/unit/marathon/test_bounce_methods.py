"""Decision tables of every bounce method (§5.3)."""

from __future__ import annotations

import pytest

from paasta_tools.errors import InvalidBounceMethodError
from paasta_tools.marathon import bounce_methods as bm
from paasta_tools.marathon.bounce_methods import BouncePlan

NEW = {"instances": 3}
HAPPY_OLD = {"/svc.main.gitold.configa": {"a1", "a2"}, "/svc.main.gitold.configb": {"b1"}}
UNHAPPY_OLD = {"/svc.main.gitold.configa": {"a3"}}
ALL_OLD = frozenset({"a1", "a2", "a3", "b1"})


def _plan(func, running=True, happy_new=(), happy_old=HAPPY_OLD, unhappy_old=UNHAPPY_OLD, margin=1.0) -> BouncePlan:
    return func(NEW, running, set(happy_new), happy_old, unhappy_old, margin_factor=margin)


@pytest.mark.parametrize(("running", "create"), [(False, True), (True, False)])
def test_brutal_drains_everything_immediately(running: bool, create: bool) -> None:
    assert _plan(bm.brutal_bounce, running=running) == BouncePlan(create, ALL_OLD)


@pytest.mark.parametrize(
    ("running", "happy_new", "expected"),
    [
        (False, (), BouncePlan(True, frozenset())),
        (True, ("n1", "n2"), BouncePlan(False, frozenset())),
        (True, ("n1", "n2", "n3"), BouncePlan(False, ALL_OLD)),
        # more happy tasks than instances is not "exactly instances": wait
        (True, ("n1", "n2", "n3", "n4"), BouncePlan(False, frozenset())),
    ],
)
def test_upthendown(running: bool, happy_new: tuple[str, ...], expected: BouncePlan) -> None:
    assert _plan(bm.upthendown_bounce, running=running, happy_new=happy_new) == expected


@pytest.mark.parametrize(
    ("happy_new", "margin", "kept"),
    [
        ((), 1.0, 3),  # need 3 old tasks: keep 3 of the 4
        (("n1",), 1.0, 2),
        (("n1", "n2", "n3"), 1.0, 0),
        (("n1", "n2", "n3", "n4"), 1.0, 0),
        ((), 0.5, 2),  # ceil(3 * 0.5) = 2
        (("n1",), 0.34, 1),  # ceil(1.02) = 2, minus 1
    ],
)
def test_crossover_keeps_needed_old_tasks(happy_new: tuple[str, ...], margin: float, kept: int) -> None:
    plan = _plan(bm.crossover_bounce, happy_new=happy_new, margin=margin)
    assert plan.create_app is False
    assert len(ALL_OLD - plan.tasks_to_drain) == kept
    assert plan.tasks_to_drain <= ALL_OLD


def test_crossover_prefers_keeping_happy_and_drains_unhappy_first() -> None:
    plan = _plan(bm.crossover_bounce, running=False)
    assert plan.create_app is True
    # 3 needed, happy ones (a1, a2, b1) are kept, the unhappy a3 is drained
    assert plan.tasks_to_drain == frozenset({"a3"})
    plan = _plan(bm.crossover_bounce, happy_new=("n1", "n2"))
    assert len(plan.tasks_to_drain) == 3 and "a3" in plan.tasks_to_drain


@pytest.mark.parametrize("margin", [0, -0.5, 1.01])
def test_crossover_rejects_bad_margin_factor(margin: float) -> None:
    with pytest.raises(InvalidBounceMethodError, match="bounce_margin_factor"):
        _plan(bm.crossover_bounce, margin=margin)


@pytest.mark.parametrize(
    ("running", "happy_old", "create"),
    [
        (False, {}, True),
        (True, {}, False),
        (False, HAPPY_OLD, False),
        # an old app with no happy tasks still blocks creation (dict truthiness)
        (False, {"/svc.main.gitold.configa": set()}, False),
    ],
)
def test_downthenup(running: bool, happy_old: dict, create: bool) -> None:
    plan = _plan(bm.downthenup_bounce, running=running, happy_old=happy_old, unhappy_old={})
    assert plan.create_app is create
    assert plan.tasks_to_drain == frozenset(t for tasks in happy_old.values() for t in tasks)


def test_down_never_creates_and_drains_all() -> None:
    assert _plan(bm.down_bounce, running=False) == BouncePlan(False, ALL_OLD)


def test_registry_by_name() -> None:
    assert bm.get_bounce_method_func("crossover") is bm.crossover_bounce
    assert bm.list_bounce_methods() == ["brutal", "crossover", "down", "downthenup", "upthendown"]
    with pytest.raises(InvalidBounceMethodError) as exc:
        bm.get_bounce_method_func("sideways")
    assert "'sideways'" in str(exc.value)
    assert "brutal, crossover, down, downthenup, upthendown" in str(exc.value)


def test_steady_state() -> None:
    assert bm.bounce_in_steady_state(True, ["n1", "n2", "n3"], 3, {})
    assert not bm.bounce_in_steady_state(True, ["n1", "n2", "n3"], 3, {"/old": ()})
    assert not bm.bounce_in_steady_state(False, [], 0, {})
