"""ZooKeeper leader election for paasta-deployd: only one daemon per cluster acts at a time.

The kazoo Election recipe at ``/paasta-deployd-leader`` under the cluster's ``zookeeper`` (with its
chroot), as upstream.  A daemon that is not the leader waits; it takes over when the leader stops or
its ZooKeeper session is lost (or its connection stays suspended for SUSPENDED_GRACE_S).
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

LEADER_PATH = "/paasta-deployd-leader"
POLL_S = 0.2
# Upstream checked five times, five seconds apart.  A client cut off from ZooKeeper only learns
# that its session expired once it reconnects; meanwhile another daemon may already lead.
SUSPENDED_GRACE_S = 25.0

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    STOPPED = "stopped"  # asked to stop (while waiting or while leading)
    LOST = "lost"  # the ZooKeeper session was lost while leading


def abdicate_unless_reconnected(
    client: Any,
    resign: threading.Event,
    lost: threading.Event,
    grace: float = SUSPENDED_GRACE_S,
    poll: float = POLL_S,
) -> None:
    """Wait up to ``grace`` seconds for the suspended connection to recover; else count the session lost."""
    from kazoo.client import KazooState

    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if client.state == KazooState.CONNECTED:
            log.warning("Zookeeper connection recovered!")
            return
        if resign.wait(poll):
            return
    log.error("Connection did not recover, abdicating!")
    lost.set()
    resign.set()


def _session_watch(client: Any, resign: threading.Event, lost: threading.Event) -> Callable[[Any], None]:
    from kazoo.client import KazooState

    checking = threading.Lock()

    def check_recovery() -> None:
        try:
            abdicate_unless_reconnected(client, resign, lost)
        finally:
            checking.release()

    def listener(state: Any) -> None:
        if state == KazooState.SUSPENDED:
            log.warning("Zookeeper connection suspended, waiting to see if it recovers.")
            if checking.acquire(blocking=False):  # kazoo's event thread must not block: check in another
                threading.Thread(target=check_recovery, name="deployd-zk-recovery", daemon=True).start()
        elif state == KazooState.LOST:
            log.error("Leadership lost, quitting!")
            lost.set()
            resign.set()

    return listener


def run_as_leader(
    client: Any,
    identifier: str,
    lead: Callable[[threading.Event], None],
    stop: threading.Event,
    path: str = LEADER_PATH,
) -> Outcome:
    """Wait until elected (or ``stop``), then run ``lead(resign)`` until it returns.

    ``resign`` is set when ``stop`` is set or the session is lost; ``lead`` must return soon after.
    Leadership is released when ``lead`` returns.  A session lost while waiting ends the wait (LOST).
    """
    from kazoo.exceptions import CancelledError, KazooException

    election = client.Election(path, identifier)
    resign, lost, finished = threading.Event(), threading.Event(), threading.Event()
    listener = _session_watch(client, resign, lost)
    client.add_listener(listener)

    def relay_stop() -> None:
        # A lost session also ends the wait: kazoo would queue a new contender, but this process
        # logged that it quits, and a later election would hand it leadership only to resign at once.
        while not finished.is_set():
            if stop.wait(POLL_S):
                resign.set()
            if resign.is_set():
                election.cancel()
                return

    relay = threading.Thread(target=relay_stop, name="deployd-leader-stop", daemon=True)
    relay.start()
    try:
        log.info("Waiting to become leader")
        election.run(lead, resign)
    except CancelledError:
        pass
    except KazooException as exc:  # the session ended under the election: whoever waits takes over
        log.error("Zookeeper connection lost, can't tidy up: %r", exc)
        lost.set()
    finally:
        finished.set()
        client.remove_listener(listener)
        relay.join()
    return Outcome.LOST if lost.is_set() and not stop.is_set() else Outcome.STOPPED


def contenders(client: Any, path: str = LEADER_PATH) -> list[str]:
    """Identifiers of the daemons in the election, the leader first."""
    return list(client.Election(path).contenders())
