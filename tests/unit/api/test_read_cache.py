"""The per-service read cache of paasta-api."""

from __future__ import annotations

from paasta_tools.api.instance import ReadCache


def test_a_services_reads_are_kept_for_ttl_seconds() -> None:
    now = [100.0]
    cache = ReadCache(30, clock=lambda: now[0])
    first = cache.for_service("svc")
    first["marathon"] = {"apps": []}
    now[0] = 129.9
    assert cache.for_service("svc") is first
    assert cache.for_service("other") is not first
    now[0] = 130.0
    assert cache.for_service("svc") == {}


def test_ttl_zero_never_reuses() -> None:
    cache = ReadCache(0, clock=lambda: 5.0)
    assert cache.for_service("svc") is not cache.for_service("svc")
