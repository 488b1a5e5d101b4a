"""The devcluster's fault injector: faults used up in order, requests counted."""

from __future__ import annotations

from paasta_tools.devcluster.faults import FaultInjector, injector_for


def test_faults_match_method_and_path_and_are_used_up() -> None:
    injector = FaultInjector()
    injector.add(503, method="post", path_prefix="/v2/tasks/delete", times=2)
    assert injector.take("GET", "/v2/apps") is None
    assert injector.take("POST", "/v2/tasks/delete").status == 503
    assert injector.take("POST", "/v2/tasks/delete").body == {"message": "injected fault: HTTP 503"}
    assert injector.take("POST", "/v2/tasks/delete") is None
    assert injector.count() == 4 and injector.count("POST") == 3 and injector.count(path_prefix="/v2/apps") == 1
    assert injector.writes() == [("POST", "/v2/tasks/delete")] * 3
    injector.reset_counts()
    assert injector.count() == 0


def test_each_cluster_has_its_own_injector() -> None:
    class FakeCluster:
        pass

    first, second = FakeCluster(), FakeCluster()
    assert injector_for(first) is injector_for(first)
    assert injector_for(first) is not injector_for(second)
