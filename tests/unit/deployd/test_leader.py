"""What the election does with a suspended ZooKeeper connection (a client stand-in with a state)."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from kazoo.client import KazooState

from paasta_tools.deployd.leader import abdicate_unless_reconnected


def _events() -> tuple[threading.Event, threading.Event]:
    return threading.Event(), threading.Event()


def test_a_connection_that_stays_suspended_past_the_grace_period_gives_up_leadership(caplog):
    resign, lost = _events()
    abdicate_unless_reconnected(SimpleNamespace(state=KazooState.SUSPENDED), resign, lost, grace=0.05, poll=0.01)
    assert resign.is_set() and lost.is_set()
    assert "Connection did not recover, abdicating!" in caplog.text


def test_a_connection_that_recovers_keeps_leadership():
    resign, lost = _events()
    abdicate_unless_reconnected(SimpleNamespace(state=KazooState.CONNECTED), resign, lost, grace=5, poll=0.01)
    assert not resign.is_set() and not lost.is_set()


def test_a_daemon_already_resigning_stops_checking_at_once():
    resign, lost = _events()
    resign.set()
    abdicate_unless_reconnected(SimpleNamespace(state=KazooState.SUSPENDED), resign, lost, grace=60, poll=0.01)
    assert not lost.is_set()
