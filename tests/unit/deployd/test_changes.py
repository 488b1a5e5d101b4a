"""paasta-deployd's pure decisions: changed services, rate-limited sweeps, re-queuing after a step."""

from __future__ import annotations

import pytest

from paasta_tools.deployd.changes import (
    RateLimit,
    changed_services,
    changed_system_files,
    failure_backoff,
    rate_limited,
    requeue_after_step,
    watched_file_names,
)
from paasta_tools.deployd.queue import ServiceInstance


def test_watched_files_are_the_clusters_marathon_yaml_and_the_service_wide_files():
    assert watched_file_names("norcal") == {
        "marathon-norcal.yaml",
        "service.yaml",
        "deployments.json",
        "smartstack.yaml",
    }


def test_changed_services_are_those_with_a_file_added_removed_or_modified():
    before = {("a", "service.yaml"): "1", ("b", "deployments.json"): "2", ("c", "service.yaml"): "3"}
    after = {("a", "service.yaml"): "1", ("b", "deployments.json"): "9", ("d", "service.yaml"): "4"}
    assert changed_services(before, after) == ["b", "c", "d"]
    assert changed_services(after, after) == []


def test_changed_system_files():
    assert changed_system_files({"a.json": "1", "b.json": "2"}, {"a.json": "1", "b.json": "3", "c.json": "4"}) == [
        "b.json",
        "c.json",
    ]


def test_rate_limited_entries_are_spaced_by_the_rate():
    entries = rate_limited([("a", "x"), ("b", "y"), ("c", "z")], RateLimit(1000, 6), "daemon_start", 99)
    assert [(e.key, e.wait_until, e.bounce_by) for e in entries] == [
        ("a.x", 1000, 1000),
        ("b.y", 1010, 1010),
        ("c.z", 1020, 1020),
    ]
    assert {e.priority for e in entries} == {99} and {e.watcher for e in entries} == {"daemon_start"}
    assert RateLimit(0, 0.1).span(3) == pytest.approx(1800)
    assert RateLimit(0, 0.1).span(0) == pytest.approx(600)


def test_failure_backoff_doubles_and_is_capped():
    assert [failure_backoff(n, 30) for n in (1, 2, 3)] == [60, 120, 240]
    assert failure_backoff(20, 30) == 6000


ITEM = ServiceInstance("svc", "main", "SoaFileWatcher", 0, 0, priority=3, failures=2, processed_count=4)


def test_a_steady_instance_leaves_the_queue():
    assert requeue_after_step(ITEM, 100, "Worker0", None, failed=False, backoff_factor=30) is None


def test_an_unfinished_bounce_comes_back_after_the_bounce_again_delay():
    follow = requeue_after_step(ITEM, 100, "Worker0", 60, failed=False, backoff_factor=30)
    assert (follow.wait_until, follow.bounce_by, follow.failures) == (160, 160, 0)
    assert (follow.watcher, follow.priority, follow.processed_count) == ("Worker0", 3, 5)


def test_a_failed_step_comes_back_after_the_exponential_backoff():
    follow = requeue_after_step(ITEM, 100, "Worker1", None, failed=True, backoff_factor=30)
    assert (follow.failures, follow.wait_until) == (3, 100 + 240)


def test_autoscaler_count_nodes_name_their_instance():
    from paasta_tools.deployd.changes import autoscaled_instance

    assert autoscaled_instance("/autoscaling/svc/main/instances") == ("svc", "main")
    assert autoscaled_instance("/autoscaling/svc/main") is None
    assert autoscaled_instance("/autoscaling/autoscaling.lock") is None
    assert autoscaled_instance("/autoscaling/svc/main/state") is None
    assert autoscaled_instance("/bounce/svc/main/instances") is None
