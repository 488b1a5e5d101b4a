"""ZooKeeper: bounce locks and autoscaling counts, through kazoo.

Node names follow upstream so a site can share one ZooKeeper between old and new tools:
``/bounce/<service>.<instance>`` (``_`` written as ``--``), the global
``/bounce/create_marathon_app_lock``, ``/autoscaling/<service>/<instance>/instances`` (with the
autoscaler's state nodes beside it) and the autoscaler's lock ``/autoscaling/autoscaling.lock``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from paasta_tools.errors import PaastaError

if TYPE_CHECKING:
    from kazoo.client import KazooClient

CONNECT_TIMEOUT_S = 10
BOUNCE_LOCK_TIMEOUT_S = 1
CREATE_LOCK_TIMEOUT_S = 30
CREATE_APP_LOCK_PATH = "/bounce/create_marathon_app_lock"
AUTOSCALING_LOCK_PATH = "/autoscaling/autoscaling.lock"
AUTOSCALING_LOCK_TIMEOUT_S = 1


class LockHeldError(PaastaError):
    """Another process holds the lock."""


class ZookeeperError(PaastaError):
    """ZooKeeper could not be reached."""


def kazoo_hosts(zookeeper_url: str) -> str:
    """``zk://h1:2181,h2:2181/chroot`` → ``h1:2181,h2:2181/chroot`` (kazoo's host string)."""
    return zookeeper_url.removeprefix("zk://")


def _formatted(name: str) -> str:
    return name.replace("_", "--")


def bounce_lock_path(service: str, instance: str) -> str:
    return f"/bounce/{_formatted(service)}.{_formatted(instance)}"


def autoscaling_root(service: str, instance: str) -> str:
    """``/autoscaling/<service>/<instance>``: the instance count and the autoscaler's state nodes."""
    return f"/autoscaling/{service}/{instance}"


def autoscaling_path(service: str, instance: str) -> str:
    return f"{autoscaling_root(service, instance)}/instances"


def _started_client(hosts: str, zookeeper_url: str, timeout: float) -> KazooClient:
    from kazoo.client import KazooClient
    from kazoo.handlers.threading import KazooTimeoutError

    client = KazooClient(hosts=hosts, timeout=timeout)
    try:
        client.start(timeout=timeout)
    except KazooTimeoutError as exc:
        client.close()
        raise ZookeeperError(f"could not connect to ZooKeeper at {zookeeper_url} within {timeout}s") from exc
    return client


def _close(client: KazooClient) -> None:
    client.stop()
    client.close()


@contextmanager
def zk_connection(zookeeper_url: str, timeout: float = CONNECT_TIMEOUT_S) -> Iterator[KazooClient]:
    """A started kazoo client for the duration of the block (the chroot is created if missing)."""
    hosts = kazoo_hosts(zookeeper_url)
    servers, _, chroot = hosts.partition("/")
    if chroot:
        # kazoo does not create a missing chroot node; a real site's chroot exists, a new one may not.
        root_client = _started_client(servers, zookeeper_url, timeout)
        try:
            root_client.ensure_path("/" + chroot)
        finally:
            _close(root_client)
    client = _started_client(hosts, zookeeper_url, timeout)
    try:
        yield client
    finally:
        _close(client)


@contextmanager
def held_lock(client: KazooClient, path: str, timeout: float, identifier: str = "") -> Iterator[None]:
    """Hold the kazoo Lock recipe at ``path``; LockHeldError if it cannot be had within ``timeout``."""
    from kazoo.exceptions import LockTimeout

    lock = client.Lock(path, identifier)
    try:
        acquired = lock.acquire(timeout=timeout)
    except LockTimeout:
        acquired = False
    if not acquired:
        raise LockHeldError(f"lock {path} is held by another process")
    try:
        yield
    finally:
        lock.release()


def bounce_lock(client: KazooClient, service: str, instance: str) -> AbstractContextManager[None]:
    """The per-instance lock that makes concurrent ``setup_marathon_job`` runs skip, not collide."""
    return held_lock(client, bounce_lock_path(service, instance), BOUNCE_LOCK_TIMEOUT_S, f"{service}.{instance}")


def create_app_lock(client: KazooClient) -> AbstractContextManager[None]:
    """The global lock around app creation and deletion."""
    return held_lock(client, CREATE_APP_LOCK_PATH, CREATE_LOCK_TIMEOUT_S)


def autoscaling_lock(client: KazooClient) -> AbstractContextManager[None]:
    """The lock that keeps two autoscaler runs of a cluster from overlapping."""
    return held_lock(client, AUTOSCALING_LOCK_PATH, AUTOSCALING_LOCK_TIMEOUT_S)


def read_node(client: KazooClient, path: str) -> bytes | None:
    """The data of ``path``, or None when there is no such node."""
    from kazoo.exceptions import NoNodeError

    try:
        data, _ = client.get(path)
    except NoNodeError:
        return None
    return data


def write_node(client: KazooClient, path: str, data: bytes) -> None:
    """Set ``path`` to ``data``, creating it (and its parents) first when missing."""
    client.ensure_path(path)
    client.set(path, data)


def read_autoscaled_instances(client: KazooClient, service: str, instance: str) -> int | None:
    """The instance count the autoscaler stored, or None when there is no node (or it is not a number)."""
    from kazoo.exceptions import NoNodeError

    try:
        data, _ = client.get(autoscaling_path(service, instance))
    except NoNodeError:
        return None
    try:
        return int(data.decode())
    except (UnicodeDecodeError, ValueError):
        return None


def write_autoscaled_instances(client: KazooClient, service: str, instance: str, count: int) -> None:
    path = autoscaling_path(service, instance)
    client.ensure_path(path)
    client.set(path, str(count).encode())


def list_children(hosts: str, path: str, timeout: float = CONNECT_TIMEOUT_S) -> list[str]:
    """Children of ``path`` on the ZooKeeper at ``hosts`` (``h1:2181,h2:2181``), [] when there is no such node.

    Only reads: no chroot is created.  ZookeeperError when ZooKeeper cannot be reached.
    """
    from kazoo.exceptions import KazooException, NoNodeError

    with zk_connection(f"zk://{hosts}", timeout) as client:
        try:
            return list(client.get_children(path))
        except NoNodeError:
            return []
        except KazooException as exc:
            raise ZookeeperError(f"could not list {path} on ZooKeeper at {hosts}: {exc!r}") from exc
