"""Pure parts of the devcluster Marathon: ids, app normalisation, plans, rolling-restart rounds, health results."""

from __future__ import annotations

import pytest

from paasta_tools.devcluster.marathon.errors import MarathonApiError
from paasta_tools.devcluster.marathon.health_checks import apply_result
from paasta_tools.devcluster.marathon.ids import (
    VersionClock,
    app_id_of_task,
    canonical_path,
    format_ts,
    instance_id,
    parse_bool,
    safe_app_id,
)
from paasta_tools.devcluster.marathon.launch import build_task_spec
from paasta_tools.devcluster.marathon.model import (
    as_input,
    is_scale_only,
    merge_update,
    min_healthy_and_max_capacity,
    normalize_app,
)
from paasta_tools.devcluster.marathon.operations import Change, classify, plan_steps
from paasta_tools.devcluster.marathon.planning import plan_replace, plan_scale
from paasta_tools.devcluster.marathon.state import App, HealthResult, ServicePorts, Task


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [("//foo//bar/", "/", "/foo/bar"), ("foo", "/grp", "/grp/foo"), ("../x", "/a/b", "/a/x"), ("./y", "/a", "/a/y")],
)
def test_canonical_path(raw, base, expected):
    assert canonical_path(raw, base) == expected


def test_task_and_instance_ids():
    assert safe_app_id("/minecraft/survival-world") == "minecraft_survival-world"
    task_id = "minecraft_survival-world.564bd685-4c30-11e5-98c1-be5b2935a987"
    assert instance_id(task_id) == "minecraft_survival-world.marathon-564bd685-4c30-11e5-98c1-be5b2935a987"
    assert app_id_of_task(task_id) == "/minecraft/survival-world"
    assert app_id_of_task("nodot") is None


def test_timestamps_and_booleans():
    assert format_ts(0.5) == "1970-01-01T00:00:00.500Z"
    clock = VersionClock()
    assert clock.next() < clock.next()
    assert parse_bool("True", False) and parse_bool("TRUE", False) and not parse_bool("False", True)
    assert parse_bool(None, True) and not parse_bool("yes", True)


def test_normalize_applies_1_4_defaults_in_order():
    app = normalize_app({"id": "svc", "cmd": "run", "cpus": 1, "healthChecks": [{"path": "/h"}]})
    assert list(app)[:6] == ["id", "cmd", "args", "user", "env", "instances"]
    assert list(app)[-3:] == ["ports", "portDefinitions", "requirePorts"]
    assert app["id"] == "/svc" and app["cpus"] == 1.0 and isinstance(app["cpus"], float)
    assert app["healthChecks"] == [
        {
            "gracePeriodSeconds": 300,
            "intervalSeconds": 60,
            "timeoutSeconds": 20,
            "maxConsecutiveFailures": 3,
            "portIndex": 0,
            "path": "/h",
            "protocol": "HTTP",
            "ignoreHttp1xx": False,
        }
    ]
    assert app["unreachableStrategy"] == {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}


def test_normalize_uris_become_fetch():
    app = normalize_app({"id": "/u", "cmd": "x", "uris": ["http://h/a.tgz", "http://h/b"]})
    assert [f["extract"] for f in app["fetch"]] == [True, False]
    assert app["uris"] == ["http://h/a.tgz", "http://h/b"]


def test_command_health_checks_have_no_port():
    app = normalize_app(
        {"id": "/c", "cmd": "x", "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}}]}
    )
    assert "portIndex" not in app["healthChecks"][0]
    assert app["healthChecks"][0]["command"] == {"value": "true"}


def test_normalize_rejects_with_status_and_details():
    with pytest.raises(MarathonApiError) as raised:
        normalize_app({"id": "/x", "cmd": "x", "mem": -1.5, "backoffFactor": 0.5})
    assert raised.value.status == 422
    assert {"path": "/mem", "errors": ["got -1.5, expected 0 or more"]} in raised.value.body["details"]
    assert {"path": "/backoffFactor", "errors": ["got 0.5, expected 1.0 or more"]} in raised.value.body["details"]
    with pytest.raises(MarathonApiError) as raised:
        normalize_app({"id": "/x", "cmd": "x", "container": {"docker": {"image": "i", "network": "WIFI"}}})
    assert raised.value.status == 400
    assert raised.value.body["details"] == [
        {"path": "/container/docker/network", "errors": ["error.expected.validenumvalue"]}
    ]


def test_partial_update_merges_top_level_keys_and_keeps_service_ports():
    ports = ServicePorts()
    old = ports.assign(normalize_app({"id": "/p", "cmd": "x", "env": {"A": "1"}}))
    new = normalize_app(merge_update(old, {"instances": 3, "tasksRunning": 9}), "/p")
    assert new["env"] == {"A": "1"} and new["ports"] == old["ports"] == [10000]
    assert is_scale_only(old, new)
    assert "uris" not in as_input(old) and "ports" not in as_input(old)
    changed = normalize_app(merge_update(old, {"cmd": "y"}), "/p")
    assert not is_scale_only(old, changed)


def test_classify_and_plan_steps():
    base = normalize_app({"id": "/a", "cmd": "x"})
    assert classify(None, base) == "StartApplication"
    assert classify(base, None) == "StopApplication"
    assert classify(base, {**base, "instances": 4}) == "ScaleApplication"
    assert classify(base, {**base, "cmd": "y"}) == "RestartApplication"
    assert classify(base, dict(base)) is None
    changes = [Change("/new", None, base, "StartApplication"), Change("/gone", base, None, "StopApplication")]
    assert plan_steps(changes) == [
        [{"action": "StopApplication", "app": "/gone"}],
        [{"action": "StartApplication", "app": "/new"}],
        [{"action": "ScaleApplication", "app": "/new"}],
    ]


@pytest.mark.parametrize(
    ("instances", "strategy", "running", "expected"),
    [(3, (1.0, 1.0), 3, (3, 6)), (4, (0.5, 0.0), 4, (2, 4)), (3, (1.0, 0.0), 3, (3, 4)), (2, (0.0, 0.0), 2, (0, 2))],
)
def test_rolling_bounds(instances, strategy, running, expected):
    definition = {
        "instances": instances,
        "upgradeStrategy": dict(zip(("minimumHealthCapacity", "maximumOverCapacity"), strategy, strict=True)),
    }
    assert min_healthy_and_max_capacity(definition, running) == expected


def _app_with_tasks(instances: int, old: int, new: int, strategy=(1.0, 1.0)) -> App:
    definition = normalize_app(
        {
            "id": "/r",
            "cmd": "x",
            "instances": instances,
            "upgradeStrategy": {"minimumHealthCapacity": strategy[0], "maximumOverCapacity": strategy[1]},
        }
    )
    app = App(definition, "v2")
    app.gen = "v2"
    for index in range(old + new):
        task = Task(f"r.{index}", "/r", "v1", "v1" if index < old else "v2", [], definition)
        task.state = "TASK_RUNNING"
        task.staged_at = float(index)
        app.tasks[task.id] = task
    return app


def test_replace_round_with_default_strategy_starts_all_new_before_killing():
    launch, kills = plan_replace(_app_with_tasks(3, old=3, new=0))
    assert (launch, kills) == (3, [])
    launch, kills = plan_replace(_app_with_tasks(3, old=3, new=2))
    assert launch == 1 and len(kills) == 2 and all(t.gen == "v1" for t in kills)


def test_replace_round_half_capacity_kills_half_first():
    launch, kills = plan_replace(_app_with_tasks(4, old=4, new=0, strategy=(0.5, 0.0)))
    assert launch == 0 and len(kills) == 2


def test_scale_kills_youngest_first():
    app = _app_with_tasks(1, old=0, new=3)
    launch, kills = plan_scale(app)
    assert launch == 0 and [t.id for t in kills] == ["r.2", "r.1"]


def test_health_results_grace_period_and_kill_threshold():
    check = {"intervalSeconds": 10, "gracePeriodSeconds": 30, "maxConsecutiveFailures": 2}
    task = Task("h.1", "/h", "v", "v", [], {"healthChecks": [check]})
    task.started_at = 100.0
    result = HealthResult(0)
    assert apply_result(result, check, task, False, "down", now=110) is False
    assert result.last_failure is None and result.next_at == 120
    assert [apply_result(result, check, task, False, "down", now=t) for t in (131, 141, 151)] == [False, False, True]
    assert result.consecutive_failures == 3 and result.cause == "down"
    apply_result(result, check, task, True, "ok", now=161)
    assert result.alive and result.consecutive_failures == 0 and result.first_success == 161


def test_task_spec_for_host_networking_and_args():
    definition = normalize_app({"id": "/h/net", "args": ["a", "b"], "portDefinitions": [{"port": 0, "name": "web"}]})
    definition = {**ServicePorts().assign(definition), "version": "v1"}
    spec = build_task_spec(definition, "v1", "h_net.1", "agent", [31005])
    assert spec.cmd is None and spec.args == ("a", "b") and spec.shell is False and spec.docker is None
    assert [(m.container_port, m.host_port) for m in spec.port_mappings] == [(31005, 31005)]
    assert spec.env["PORT0"] == "31005" and spec.env["PORT_WEB"] == "31005" and spec.env["PORT_10000"] == "31005"
    assert "MARATHON_APP_DOCKER_IMAGE" not in spec.env


def test_mesos_run_checks_wait_delay_seconds_before_the_first_check():
    from paasta_tools.devcluster.marathon.health_checks import HealthScheduler

    definition = normalize_app(
        {"id": "/d", "cmd": "x", "healthChecks": [{"protocol": "COMMAND", "command": {"value": "true"}}, {}]}
    )
    task = Task("d.1", "/d", "v", "v", [31000], definition)
    assert [r.next_at for r in HealthScheduler.fresh_results(task, 100.0)] == [115.0, 100.0]


@pytest.mark.parametrize(
    ("constraints", "roles", "running", "allowed"),
    [
        ([["hostname", "UNIQUE"]], None, 0, True),
        ([["hostname", "UNIQUE"]], None, 1, False),
        ([["pool", "LIKE", "def.*"]], None, 3, True),
        ([["pool", "LIKE", "other"]], None, 0, False),
        ([["region", "UNLIKE", "devregion"]], None, 0, False),
        ([["rack", "UNLIKE", "r1"]], None, 0, True),
        ([["rack", "LIKE", "r1"]], None, 0, False),
        ([["hostname", "MAX_PER", "2"]], None, 1, True),
        ([["hostname", "MAX_PER", "2"]], None, 2, False),
        ([["region", "CLUSTER", "devregion"]], None, 5, True),
        ([["region", "CLUSTER", "elsewhere"]], None, 0, False),
        ([["region", "GROUP_BY"]], None, 4, True),
        ([], ["slave_public"], 0, False),
        ([], ["*", "slave_public"], 0, True),
    ],
)
def test_placement_on_the_single_agent(constraints, roles, running, allowed):
    from paasta_tools.devcluster.marathon.planning import placement_allows

    body = {"id": "/p", "cmd": "x", "constraints": constraints}
    if roles:
        body["acceptedResourceRoles"] = roles
    app = App(normalize_app(body), "v")
    for index in range(running):
        app.tasks[f"p.{index}"] = Task(f"p.{index}", "/p", "v", "v", [], app.definition)
    attributes = {"region": "devregion", "pool": "default"}
    assert placement_allows(app, "127.0.0.1", attributes) is allowed


def test_plan_orders_scaling_by_dependencies():
    db = normalize_app({"id": "/db", "cmd": "x"})
    web = normalize_app({"id": "/web", "cmd": "x", "dependencies": ["/db"]})
    lb = normalize_app({"id": "/lb", "cmd": "x", "dependencies": ["web"]})
    changes = [Change(a["id"], None, a, "StartApplication") for a in (lb, web, db)]
    steps = plan_steps(changes)
    assert [[a["app"] for a in step] for step in steps] == [["/lb", "/web", "/db"], ["/db"], ["/web"], ["/lb"]]


def test_nested_nulls_read_as_absent():
    with_nulls = normalize_app(
        {
            "id": "/n",
            "cmd": "x",
            "upgradeStrategy": {"minimumHealthCapacity": None},
            "healthChecks": [{"protocol": "TCP", "timeoutSeconds": None}],
            "container": {"docker": {"image": "i", "network": None, "portMappings": [{"containerPort": None}]}},
        }
    )
    plain = normalize_app(
        {
            "id": "/n",
            "cmd": "x",
            "healthChecks": [{"protocol": "TCP"}],
            "container": {"docker": {"image": "i", "portMappings": [{}]}},
        }
    )
    assert with_nulls == plain


def test_cached_text_rendering_matches_the_dict_rendering():
    import json

    from paasta_tools.devcluster.marathon.state import MarathonState
    from paasta_tools.devcluster.marathon.views import Renderer
    from paasta_tools.devcluster.store import Store

    state = MarathonState(Store(None))
    definition = {**normalize_app({"id": "/r", "cmd": "x", "healthChecks": [{"protocol": "TCP"}]}), "version": "v1"}
    app = App(definition, "v1")
    state.apps["/r"] = app
    task = Task("r.1", "/r", "v1", "v1", [31000], definition)
    task.state, task.started_at = "TASK_RUNNING", 5.0
    task.health = [HealthResult(0)]
    apply_result(task.health[0], definition["healthChecks"][0], task, True, "ok", now=6.0)
    app.tasks[task.id] = task
    app.last_task_failure = {"appId": "/r", "state": "TASK_FAILED"}
    renderer = Renderer(state, "host", "S0")
    for wanted, show in (({"tasks"}, False), (set(), True), ({"readiness"}, False)):
        assert json.loads(renderer.app_text(app, wanted, show)) == renderer.app(app, wanted, show)
    stats = json.loads(renderer.app_text(app, {"taskStats"}))["taskStats"]
    assert stats["totalSummary"]["stats"]["counts"] == {"staged": 0, "running": 1, "healthy": 1, "unhealthy": 0}
    first = json.loads(renderer.app_text(app, {"tasks"}))["tasks"][0]
    task.state = "TASK_KILLED"
    task.json_text = None
    assert first["state"] == "TASK_RUNNING"
    assert json.loads(renderer.app_text(app, {"tasks"}))["tasks"][0]["state"] == "TASK_KILLED"


def test_readiness_checks_get_defaults_and_drop_unknown_keys():
    ports = [{"port": 0, "name": "http-api"}]
    app = normalize_app(
        {"id": "/r", "cmd": "x", "portDefinitions": ports, "readinessChecks": [{"path": "/ready", "bogus": 1}]}
    )
    assert app["readinessChecks"] == [
        {
            "name": "readinessCheck",
            "protocol": "HTTP",
            "path": "/ready",
            "portName": "http-api",
            "intervalSeconds": 30,
            "timeoutSeconds": 10,
            "httpStatusCodesForReady": [200],
            "preserveLastResponse": False,
        }
    ]


def test_unreachable_strategy_and_secrets_keep_only_known_keys():
    app = normalize_app(
        {
            "id": "/u",
            "cmd": "x",
            "unreachableStrategy": {"inactiveAfterSeconds": 5, "x": 1},
            "secrets": {"s": {"source": "a", "y": 2}},
        }
    )
    assert app["unreachableStrategy"] == {"inactiveAfterSeconds": 5, "expungeAfterSeconds": 0}
    assert app["secrets"] == {"s": {"source": "a"}}
    assert (
        normalize_app({"id": "/u", "cmd": "x", "unreachableStrategy": "disabled"})["unreachableStrategy"] == "disabled"
    )
    with pytest.raises(MarathonApiError) as raised:
        normalize_app({"id": "/u", "cmd": "x", "unreachableStrategy": "sometimes"})
    assert raised.value.status == 400
