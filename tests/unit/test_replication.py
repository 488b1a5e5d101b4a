"""Replication verdicts: expected counts, healthy tasks, agent grouping and upstream's output texts."""

from __future__ import annotations

import dataclasses
import datetime

from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import namespace_config_from_dict
from paasta_tools.marathon import replication
from paasta_tools.marathon.tasks import MarathonTask

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)


def _config(instance: str, **config) -> MarathonServiceConfig:
    return MarathonServiceConfig(service="svc", cluster="c1", instance=instance, config_dict=config)


def _task(app_id: str, started_seconds_ago: float | None, alive: tuple[bool, ...] = ()) -> MarathonTask:
    started = NOW - datetime.timedelta(seconds=started_seconds_ago) if started_seconds_ago is not None else None
    return MarathonTask(id=f"{app_id}.x", app_id=app_id, started_at=started, health_alive=alive)


def test_is_under_replicated() -> None:
    assert replication.is_under_replicated(1, 4, 50) == (True, 25.0)
    assert replication.is_under_replicated(2, 4, 50) == (False, 50.0)
    assert replication.is_under_replicated(0, 0, 50) == (False, 100.0)


def test_expected_count_sums_instances_registered_in_the_namespace() -> None:
    configs = [
        _config("main", instances=3),
        _config("canary", instances=1, nerve_ns="main"),
        _config("other", instances=5),
        _config("auto", max_instances=9, nerve_ns="main"),
    ]
    assert replication.expected_count_for_namespace(configs, "main") == 3 + 1 + 9
    assert replication.expected_count_for_namespace(configs, "main", {"auto": 2}) == 3 + 1 + 2
    assert replication.expected_count_for_namespace(configs, "nothing") == 0
    stopped = MarathonServiceConfig(
        "svc", "c1", "canary", {"instances": 1, "nerve_ns": "main"}, {"desired_state": "stop"}
    )
    assert replication.expected_count_for_namespace([configs[0], stopped], "main") == 3


def test_healthy_tasks_need_all_checks_alive_and_a_minute_of_uptime() -> None:
    app = "/svc.main.gitabc.configdef"
    tasks = [
        _task(app, 120),  # no results: healthy by default
        _task(app, 120, (True, True)),
        _task(app, 120, (True, False)),  # one failing check
        _task(app, 30, (True,)),  # too young
        _task(app, None),  # not started
        _task("/svc.main2.gitabc.configdef", 120),  # another instance sharing the prefix
    ]
    assert replication.count_healthy_tasks(tasks, "svc", "main", NOW) == 2
    killing = dataclasses.replace(tasks[1], state="TASK_KILLING")  # being killed: no longer counts
    assert replication.count_healthy_tasks([*tasks[:1], killing], "svc", "main", NOW) == 1
    assert replication.count_healthy_tasks(tasks, "svc", "main", NOW, min_task_uptime=10) == 3


def test_slaves_grouped_by_discover_attribute_without_blacklisted_ones() -> None:
    slaves = [
        {"hostname": "a1", "attributes": {"region": "east", "pool": "default"}},
        {"hostname": "a2", "attributes": {"region": "east"}},
        {"hostname": "b1", "attributes": {"region": "west"}},
        {"hostname": "c1", "attributes": {"region": "north", "pool": "bad"}},
        {"hostname": "d1", "attributes": {}},
    ]
    grouped = replication.slaves_grouped_by_attribute(slaves, "region", [("pool", "bad")])
    assert sorted(grouped) == ["east", "west"]
    assert replication.synapse_hosts_by_location(grouped) == {"east": "a1", "west": "b1"}


def test_primary_registration_and_smartstack_choice() -> None:
    in_smartstack = namespace_config_from_dict("main", {"proxy_port": 20000}, "smartstack.yaml")
    outside = namespace_config_from_dict("main", {}, "smartstack.yaml")
    config = _config("main")
    assert replication.uses_smartstack_check(config, in_smartstack)
    assert not replication.uses_smartstack_check(config, outside)
    assert replication.is_primary_registration(config)
    assert not replication.is_primary_registration(_config("canary", nerve_ns="main"))


def test_smartstack_ok_text() -> None:
    result = replication.smartstack_result("svc", "main", "c1", 4, {"west": 2, "east": 2}, 50)
    assert result == replication.ReplicationResult(
        replication.OK,
        "- Service svc.main has 2 out of 2 expected instances in east (OK: 100%)\n"
        "- Service svc.main has 2 out of 2 expected instances in west (OK: 100%)\n",
    )


def test_smartstack_critical_lists_critical_locations_first_then_explains() -> None:
    result = replication.smartstack_result("svc", "main", "c1", 4, {"east": 2, "west": 0}, 50)
    assert result.status == replication.CRITICAL
    assert result.output.startswith(
        "- Service svc.main has 0 out of 2 expected instances in west (CRITICAL: 0%)\n"
        "\n\nThe following locations are OK:\n"
        "- Service svc.main has 2 out of 2 expected instances in east (OK: 100%)\n"
        "\n\nWhat this alert means:\n"
    )
    assert "      paasta logs -s svc -i main -c c1\n" in result.output
    assert "      paasta status -s svc -i main -c c1 -vv\n" in result.output
    assert result.output.endswith("  * Increase the instance count\n\n")


def test_smartstack_without_locations_is_critical() -> None:
    result = replication.smartstack_result("svc", "main", "c1", 4, {}, 50)
    assert result == replication.ReplicationResult(
        replication.CRITICAL,
        "Service svc.main has no Smartstack replication info. Make sure the discover key in your smartstack.yaml "
        "is valid!\n",
    )


def test_mesos_texts() -> None:
    ok = replication.mesos_result("svc", "main", "c1", 3, 4, 50)
    assert ok == replication.ReplicationResult(
        replication.OK, "Service svc.main has 3 out of 4 expected instances available!\n(threshold: 50%)"
    )
    critical = replication.mesos_result("svc", "main", "c1", 1, 4, 50)
    assert critical.status == replication.CRITICAL
    assert critical.output.startswith(
        "Service svc.main has 1 out of 4 expected instances available!\n(threshold: 50%)\n\nWhat this alert means:\n"
    )
    assert critical.output.endswith("      paasta status -s svc -i main -c c1 -vv\n")


def test_event_overrides_keep_configured_alert_after() -> None:
    assert replication.replication_event_overrides({"team": "t"}, "rb") == {
        "team": "t",
        "alert_after": "2m",
        "check_every": "1m",
        "runbook": "rb",
    }
    overrides = replication.replication_event_overrides({"alert_after": "10m", "check_every": "5m"}, "rb")
    assert overrides["alert_after"] == "10m" and overrides["check_every"] == "1m"
