"""The deduplicated delay queue of paasta-deployd."""

from __future__ import annotations

from paasta_tools.deployd.queue import BounceQueue, ServiceInstance


def si(name: str = "svc.main", wait: float = 0.0, by: float | None = None, **kw) -> ServiceInstance:
    service, instance = name.split(".")
    return ServiceInstance(service, instance, kw.pop("watcher", "test"), wait, wait if by is None else by, **kw)


def test_nothing_is_handed_out_before_its_wait_until():
    queue = BounceQueue()
    queue.put(si(wait=10))
    assert queue.pop_due(9.9) is None
    assert queue.seconds_until_due(4) == 6
    assert queue.pop_due(10).key == "svc.main"
    assert len(queue) == 0 and queue.seconds_until_due(10) is None


def test_due_entries_come_out_by_priority_then_deadline_then_arrival():
    queue = BounceQueue()
    queue.put(si("a.x", wait=0, by=5))
    queue.put(si("b.x", wait=0, by=1))
    queue.put(si("c.x", wait=0, by=5, priority=-1))
    queue.put(si("d.x", wait=0, by=5))
    assert [queue.pop_due(10).key for _ in range(4)] == ["c.x", "b.x", "a.x", "d.x"]


def test_a_second_request_for_an_instance_keeps_one_entry_the_sooner_one():
    queue = BounceQueue()
    queue.put(si(wait=600, priority=99, watcher="daemon_start"))
    merged = queue.put(si(wait=5, watcher="SoaFileWatcher"))
    assert len(queue) == 1
    assert (merged.wait_until, merged.priority, merged.watcher) == (5, 0, "SoaFileWatcher")
    later = queue.put(si(wait=900, watcher="late"))
    assert later.wait_until == 5 and later.watcher == "SoaFileWatcher"


def test_an_instance_in_progress_is_not_handed_out_twice_but_can_be_requeued():
    queue = BounceQueue()
    queue.put(si(wait=0))
    taken = queue.pop_due(1)
    assert queue.in_progress == {"svc.main"}
    queue.put(si(wait=0, watcher="again"))
    assert "svc.main" in queue
    assert queue.pop_due(1) is None and queue.seconds_until_due(1) is None
    queue.done(taken.key)
    assert queue.pop_due(1).watcher == "again"


def test_iteration_lists_entries_soonest_first():
    queue = BounceQueue()
    queue.put(si("b.x", wait=3))
    queue.put(si("a.x", wait=7))
    queue.put(si("c.x", wait=1))
    assert [item.key for item in queue] == ["c.x", "b.x", "a.x"]
    assert queue.get("a.x").wait_until == 7 and queue.get("z.z") is None
