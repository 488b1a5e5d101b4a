"""metastatus' quorum check and ``-a`` autoscaling table, from inline data."""

from __future__ import annotations

import argparse

from paasta_tools.cli.cmds.metastatus import options_from_args
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.marathon.tasks import MarathonAppState
from paasta_tools.status import metastatus as m
from paasta_tools.status.autoscaling_info import AutoscalingInfo, autoscaling_infos, autoscaling_lines
from paasta_tools.status.colors import PLAIN


def test_zookeeper_location_of_the_masters_zk_flag() -> None:
    assert m.zookeeper_location("zk://h1:2181,h2:2181/mesos") == m.ZookeeperLocation("h1:2181,h2:2181", "/mesos")
    assert m.zookeeper_location("zk://user:secret@h:1/a/b/") == m.ZookeeperLocation("h:1", "/a/b")
    assert m.zookeeper_location("zk://h:1") == m.ZookeeperLocation("h:1", "/")
    for flag in ("", None, "file:///etc/mesos/zk", "zk:///mesos"):
        assert m.zookeeper_location(flag) is None


def test_quorum_flag_and_master_nodes() -> None:
    assert m.mesos_quorum({"flags": {"quorum": "2"}}) == 2
    assert m.mesos_quorum({"flags": {}}) is None
    assert m.mesos_quorum({"flags": {"quorum": "two"}}) is None
    assert m.mesos_quorum({}) is None
    children = ["json.info_0000000003", "info_0000000004", "log_replicas", "json.info_0000000007"]
    assert m.count_masters(children) == 3
    assert m.count_masters(["log_replicas"]) == 0


def test_quorum_is_healthy_when_enough_masters_are_registered() -> None:
    assert m.assert_quorum_size(3, 2) == m.HealthCheckResult("Quorum: masters: 3 configured quorum: 2", True)
    assert m.assert_quorum_size(1, 1).healthy
    assert m.assert_quorum_size(1, 2) == m.HealthCheckResult(
        "CRITICAL: Number of masters (1) less than configured quorum(2).", False
    )


def test_the_quorum_result_comes_before_the_frameworks() -> None:
    quorum = m.assert_quorum_size(0, 1)
    metrics = {"master/slaves_active": 1, "master/cpus_total": 1}
    results = m.mesos_results({"frameworks": []}, metrics, PLAIN, quorum=quorum)
    assert results[-2:] == [quorum, m.HealthCheckResult("Frameworks:", True)]
    assert not m.is_healthy(results)
    assert len(m.mesos_results({}, {}, PLAIN)) == len(results) - 1


def _config(instance: str, **config: object) -> MarathonServiceConfig:
    return MarathonServiceConfig("svc", "c1", instance, config)


CONFIGS = {
    ("svc", "web"): _config("web", min_instances=2, max_instances=6),
    ("svc", "api_v2"): _config("api_v2", max_instances=4),
}
APPS = [
    MarathonAppState("/svc.web.git1234abcd.config5678ef01", instances=3),
    MarathonAppState("/svc.api--v2.git1234abcd.config5678ef01", instances=4),
    MarathonAppState("/svc.fixed.git1234abcd.config5678ef01", instances=2),  # no max_instances
    MarathonAppState("/not-a-paasta-app", instances=1),
]


def test_autoscaling_rows_take_the_desired_count_from_zookeeper_clamped_like_the_app_builder() -> None:
    rows = autoscaling_infos(APPS, CONFIGS, {("svc", "web"): 9, ("svc", "api_v2"): None})
    assert rows == [
        AutoscalingInfo("svc", "api_v2", 4, 4, 1, 4),  # no node: max_instances
        AutoscalingInfo("svc", "web", 3, 6, 2, 6),  # 9 clamped to max
    ]
    assert autoscaling_infos(APPS, CONFIGS, {("svc", "web"): 1})[1].desired_instances == 2  # clamped to min
    assert [row.desired_instances for row in autoscaling_infos(APPS, CONFIGS, None)] == [None, None]


def test_autoscaling_lines_are_a_table_under_marathon() -> None:
    rows = [AutoscalingInfo("svc", "web", 3, None, 2, 6)]
    assert autoscaling_lines(rows, zk_error="no answer") == [
        "  Autoscaling Info:",
        "    Unable to read the autoscaled counts from ZooKeeper: no answer",
        "    Service  Instance  Current instances  Desired instances  Min instances  Max instances",
        "    svc      web       3                  unknown            2              6",
    ]
    assert autoscaling_lines([])[1] == "    No Marathon app of an instance with max_instances"


def test_autoscaling_info_implies_vv() -> None:
    args = argparse.Namespace(soa_dir="/soa", verbose=0, groupings=["region"], humanize=False, autoscaling_info=True)
    assert options_from_args(args).verbose == 2
    assert options_from_args(argparse.Namespace(**{**vars(args), "verbose": 3})).verbose == 3
    assert options_from_args(argparse.Namespace(**{**vars(args), "autoscaling_info": False})).verbose == 0
