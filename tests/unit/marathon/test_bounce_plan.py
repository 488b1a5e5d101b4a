"""One run of setup_marathon_job as a pure plan: classification, new-app scaling, surplus, cleanup."""

from __future__ import annotations

import pytest

from paasta_tools.errors import InvalidBounceMethodError
from paasta_tools.marathon import bounce_plan as bp
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

NEW_ID = "/svc.main.gitnew.confignew"
OLD_ID = "/svc.main.gitold.configold"
APP_CONFIG = {"id": NEW_ID.lstrip("/"), "instances": 3}


def _task(task_id: str, app_id: str, host: str = "agent1") -> MarathonTask:
    return MarathonTask(id=task_id, app_id=app_id, host=host, ports=(31000,))


def _app(app_id: str, task_ids: list[str], instances: int | None = None, host: str = "agent1") -> MarathonAppState:
    tasks = tuple(_task(t, app_id, host) for t in task_ids)
    return MarathonAppState(id=app_id, instances=len(tasks) if instances is None else instances, tasks=tasks)


def _ids(tasks) -> set[str]:
    return {t.id for t in tasks}


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (bp.TaskFacts(happy_ids=frozenset({"t"})), bp.TaskClass.HAPPY),
        (bp.TaskFacts(), bp.TaskClass.UNHAPPY),
        (bp.TaskFacts(happy_ids=frozenset({"t"}), draining_ids=frozenset({"t"})), bp.TaskClass.DRAINING),
        (bp.TaskFacts(happy_ids=frozenset({"t"}), draining_hosts=frozenset({"agent1"})), bp.TaskClass.AT_RISK),
        (bp.TaskFacts(draining_hosts=frozenset({"agent1"})), bp.TaskClass.UNHAPPY),
        # is_draining failed: unhappy, even when happy and reported draining
        (
            bp.TaskFacts(happy_ids=frozenset({"t"}), draining_ids=frozenset({"t"}), drain_error_ids=frozenset({"t"})),
            bp.TaskClass.UNHAPPY,
        ),
    ],
)
def test_classify_task(facts: bp.TaskFacts, expected: bp.TaskClass) -> None:
    assert bp.classify_task(_task("t", OLD_ID), facts) is expected


def test_first_deploy_creates_the_app_and_drains_nothing() -> None:
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [], bp.TaskFacts(), "crossover")
    assert plan.create_app and not plan.new_app_running and plan.tasks_to_drain == ()
    assert plan.scale_new_app_to is None
    assert plan.progress_line() == (
        "crossover bounce in progress on svc.main. New marathon app /svc.main.gitnew.confignew not created yet. "
        "3 new tasks to bring up. 0 old tasks receiving traffic and happy. 0 old tasks unhappy. "
        "0 old tasks draining. 0 old tasks at risk. 0 old apps."
    )
    assert plan.create_line() == "crossover bounce creating new app with app_id /svc.main.gitnew.confignew"
    cleanup = bp.plan_cleanup(plan, set())
    assert cleanup == bp.CleanupPlan((), (), (), False)


def test_steady_state_has_nothing_to_do() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3"])
    plan = bp.plan_deploy(
        "svc.main", APP_CONFIG, [new], bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "n3"})), "crossover"
    )
    assert plan.steady_state and plan.progress_line() is None
    assert not plan.create_app and plan.tasks_to_drain == () and plan.scale_new_app_to is None
    assert _ids(plan.undrain) == {"n1", "n2", "n3"}


def test_crossover_keeps_as_many_old_tasks_as_new_ones_are_missing() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3"])
    old = _app(OLD_ID, ["o1", "o2", "o3"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "o1", "o2", "o3"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new, old], facts, "crossover")
    assert len(plan.tasks_to_drain) == 1 and plan.tasks_to_drain[0].app_id == OLD_ID
    assert plan.drain_lines() == [f"crossover bounce draining 1 old tasks with app_id {OLD_ID}"]
    assert "2 new tasks to bring up. 3 old tasks receiving traffic and happy." in plan.progress_line()
    # the drained task is not yet safe to kill: nothing killed, the old app stays
    assert bp.plan_cleanup(plan, set()).kill_task_ids == ()


def test_unhappy_old_tasks_are_drained_before_happy_ones() -> None:
    new = _app(NEW_ID, ["n1", "n2"], instances=3)
    old = _app(OLD_ID, ["o1", "o2", "o3"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "o1", "o3"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new, old], facts, "crossover")
    assert _ids(plan.tasks_to_drain) == {"o2", "o3"}  # keeps 1 happy old task (o1): 3 - 2 needed
    assert "1 old tasks unhappy." in plan.progress_line()


def test_finishing_run_kills_everything_old_and_deletes_the_old_app() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3"])
    old = _app(OLD_ID, ["o1", "o2"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "n3", "o1", "o2"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new, old], facts, "crossover")
    assert _ids(plan.tasks_to_drain) == {"o1", "o2"}
    cleanup = bp.plan_cleanup(plan, set(plan.tasks_to_drain))
    assert cleanup.kill_task_ids == ("o1", "o2") and cleanup.apps_to_delete == (OLD_ID,)
    assert cleanup.finished
    assert cleanup.lines == (
        "crossover bounce killing drained task o1",
        "crossover bounce killing drained task o2",
        f"crossover bounce removing old unused apps with app_ids: {OLD_ID}",
        f"crossover bounce on svc.main finishing. Now running {NEW_ID}",
    )


def test_partially_killed_old_app_is_not_deleted() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3"])
    old = _app(OLD_ID, ["o1", "o2"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "n3", "o1", "o2"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new, old], facts, "crossover")
    o1 = next(t for t in plan.tasks_to_drain if t.id == "o1")
    cleanup = bp.plan_cleanup(plan, {o1})
    assert cleanup.kill_task_ids == ("o1",) and cleanup.apps_to_delete == () and not cleanup.finished


def test_old_app_without_tasks_is_deleted_at_once() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3"])
    empty_old = _app(OLD_ID, [], instances=0)
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "n3"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new, empty_old], facts, "crossover")
    assert not plan.steady_state
    assert bp.plan_cleanup(plan, set()).apps_to_delete == (OLD_ID,)


def test_upthendown_waits_for_all_new_tasks() -> None:
    new = _app(NEW_ID, ["n1", "n2"], instances=3)
    old = _app(OLD_ID, ["o1", "o2", "o3"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "o1", "o2", "o3"}))
    assert bp.plan_deploy("svc.main", APP_CONFIG, [new, old], facts, "upthendown").tasks_to_drain == ()


def test_brutal_and_downthenup() -> None:
    old = _app(OLD_ID, ["o1"])
    facts = bp.TaskFacts(happy_ids=frozenset({"o1"}))
    brutal = bp.plan_deploy("svc.main", APP_CONFIG, [old], facts, "brutal")
    assert brutal.create_app and _ids(brutal.tasks_to_drain) == {"o1"}
    down = bp.plan_deploy("svc.main", APP_CONFIG, [old], facts, "downthenup")
    assert not down.create_app and _ids(down.tasks_to_drain) == {"o1"}
    after = bp.plan_deploy("svc.main", APP_CONFIG, [], facts, "downthenup")
    assert after.create_app


def test_draining_and_at_risk_tasks_are_always_drained() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3"], host="agent2")
    old = _app(OLD_ID, ["o1", "o2", "o3"])
    facts = bp.TaskFacts(
        happy_ids=frozenset({"o1", "o2"}), draining_ids=frozenset({"o3"}), draining_hosts=frozenset({"agent1"})
    )
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new, old], facts, "upthendown")
    assert _ids(plan.tasks_to_drain) == {"o1", "o2", "o3"}
    assert (
        "0 old tasks receiving traffic and happy. 0 old tasks unhappy. 1 old tasks draining. 2 old tasks at risk."
        in (plan.progress_line())
    )
    assert plan.drain_lines() == []  # nothing chosen by the bounce method itself


def test_new_app_is_scaled_up_to_desired_plus_its_at_risk_tasks() -> None:
    new = _app(NEW_ID, ["n1", "n2"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2"}), draining_hosts=frozenset({"agent1"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new], facts, "crossover")
    assert plan.scale_new_app_to == 5


def test_surplus_new_tasks_are_drained_in_class_order() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3", "n4", "n5"])
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "n3", "n4"}), draining_ids=frozenset({"n4"}))
    plan = bp.plan_deploy("svc.main", APP_CONFIG, [new], facts, "crossover")
    # 2 surplus: the draining n4, then the unhappy n5; the happy ones stay
    assert _ids(plan.tasks_to_drain) == {"n4", "n5"}
    assert _ids(plan.happy_new_tasks) == {"n1", "n2", "n3"}
    assert "n4" not in _ids(plan.undrain) and "n1" in _ids(plan.undrain)
    cleanup = bp.plan_cleanup(plan, set(plan.tasks_to_drain))
    assert cleanup.kill_task_ids == ("n4", "n5") and cleanup.apps_to_delete == ()


def test_scaling_down_happy_surplus_and_launch_slack() -> None:
    new = _app(NEW_ID, ["n1", "n2", "n3", "n4"], instances=6)
    facts = bp.TaskFacts(happy_ids=frozenset({"n1", "n2", "n3", "n4"}))
    plan = bp.plan_deploy("svc.main", {**APP_CONFIG, "instances": 2}, [new], facts, "crossover")
    assert len(plan.tasks_to_drain) == 2 and len(plan.happy_new_tasks) == 2
    assert plan.scale_new_app_to == 4  # the 2 instances Marathon has not launched yet are dropped


def test_select_surplus_takes_classes_in_order() -> None:
    tasks = {c: [_task(f"{c.value}{i}", NEW_ID) for i in range(2)] for c in bp.TaskClass}
    surplus = bp.select_surplus(tasks, 5)
    assert [len(surplus[c]) for c in bp.TaskClass] == [2, 2, 1, 0]


def test_unknown_bounce_method_names_the_valid_ones() -> None:
    with pytest.raises(InvalidBounceMethodError, match="bounce_method not recognized: 'sideways'.*crossover"):
        bp.plan_deploy("svc.main", APP_CONFIG, [], bp.TaskFacts(), "sideways")


@pytest.mark.parametrize(
    ("apps", "desired", "draining", "expected"),
    [
        ([], 3, (), True),
        ([_app(NEW_ID, ["n1", "n2", "n3"])], 3, (), False),
        ([_app(NEW_ID, ["n1", "n2"], instances=3)], 3, (), False),  # Marathon is still launching: its job
        ([_app(NEW_ID, ["n1", "n2"])], 3, (), True),
        ([_app(NEW_ID, ["n1", "n2", "n3"]), _app(OLD_ID, [])], 3, (), True),
        ([_app(NEW_ID, ["n1", "n2", "n3"])], 3, ("n2",), True),
    ],
)
def test_instance_needs_work(apps, desired: int, draining, expected: bool) -> None:
    assert bp.instance_needs_work(NEW_ID.lstrip("/"), desired, apps, draining) is expected


def test_instances_needing_bounce() -> None:
    desired = {"svc.main.gitnew.confignew": 3, "svc.canary.gita.configb": 1, "other--svc.main.gitc.configd": 1}
    apps = [
        _app("/svc.main.gitnew.confignew", ["n1"], instances=3),
        _app("/svc.canary.gita.configb", ["c1"], instances=2),
        _app("/gone.main.gitx.configy", ["g1"]),
    ]
    assert bp.instances_needing_bounce(desired, apps) == ["gone.main", "other_svc.main", "svc.canary"]
    assert bp.instances_needing_bounce(desired, apps, draining_hosts={"agent1"}) == [
        "gone.main",
        "other_svc.main",
        "svc.canary",
        "svc.main",
    ]


def test_draining_hosts_from_mesos_maintenance_status() -> None:
    status = {
        "draining_machines": [{"id": {"hostname": "agent1", "ip": "10.0.0.1"}}, {"id": {"ip": "10.0.0.2"}}],
        "down_machines": [{"hostname": "agent9"}],
    }
    assert bp.draining_hosts_from_status(status) == {"agent1"}
    assert bp.draining_hosts_from_status({}) == frozenset()
