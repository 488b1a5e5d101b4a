"""Host port allocation from the agent's port range, as Mesos offers hand them out."""

from __future__ import annotations

import pytest

from paasta_tools.devcluster.cluster import PortAllocator, PortsExhausted


def always_free(port: int) -> bool:
    return True


def test_allocates_distinct_ports_in_range_round_robin() -> None:
    ports = PortAllocator((31000, 31004), is_free=always_free)
    assert ports.allocate(2) == [31000, 31001]
    assert ports.allocate(1) == [31002]
    assert ports.used == {31000, 31001, 31002}


def test_released_ports_are_reused_after_the_range_wraps() -> None:
    ports = PortAllocator((31000, 31002), is_free=always_free)
    first = ports.allocate(3)
    ports.release([first[1]])
    assert ports.allocate(1) == [31001]


def test_reserved_ports_are_skipped() -> None:
    ports = PortAllocator((31000, 31003), is_free=always_free)
    ports.reserve([31000, 31001])
    assert ports.allocate(2) == [31002, 31003]


def test_exhaustion_names_the_range_and_takes_nothing() -> None:
    ports = PortAllocator((31000, 31001), is_free=always_free)
    ports.allocate(1)
    with pytest.raises(PortsExhausted, match="no 2 free ports left in 31000-31001"):
        ports.allocate(2)
    assert ports.used == {31000}


def test_ports_held_by_something_else_on_the_machine_are_skipped() -> None:
    held = {31000, 31002}
    ports = PortAllocator((31000, 31004), is_free=lambda port: port not in held)
    assert ports.allocate(2) == [31001, 31003]
