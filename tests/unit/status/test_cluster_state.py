"""The once-per-cluster reads of paasta_tools.operations.cluster_state (no sockets: reads are plain functions)."""

from __future__ import annotations

import pytest

from paasta_tools.errors import ChronosError
from paasta_tools.operations.cluster_state import mesos_state_or_error, read_once


def test_read_once_reads_the_first_time_only() -> None:
    calls: list[int] = []
    cache: dict = {}

    def read() -> dict:
        calls.append(1)
        return {"jobs": []}

    assert read_once(cache, "chronos", read) == {"jobs": []}
    assert read_once(cache, "chronos", read) == {"jobs": []}
    assert len(calls) == 1
    assert "cluster_error" not in cache


def test_a_failed_read_leaves_its_message_as_the_cluster_error() -> None:
    cache: dict = {}

    def read() -> dict:
        raise ChronosError("Chronos of cluster norcal is not configured")

    with pytest.raises(ChronosError):
        read_once(cache, "chronos", read)
    assert cache == {"cluster_error": "Chronos of cluster norcal is not configured"}


def test_mesos_without_an_url_is_an_error_not_an_exception() -> None:
    found = mesos_state_or_error(None)
    assert found["mesos_state"] is None
    assert "no mesos_url" in found["mesos_error"]
