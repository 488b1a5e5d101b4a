"""Serve the Marathon, Chronos and Mesos master APIs of one Cluster, each on its own port.

``serve_forever`` is what ``paasta-devcluster up`` runs; ``start_in_thread`` runs the same servers
in a background thread of the current process (tests, benchmarks).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from paasta_tools.devcluster.cluster import Cluster

log = logging.getLogger(__name__)

ALL_APIS = ("marathon", "chronos", "mesos")
CLUSTER_KEY = web.AppKey("cluster", Cluster)


def _setup_function(api: str) -> Callable[[web.Application, Cluster], None]:
    if api == "marathon":
        from paasta_tools.devcluster.marathon.api import setup_marathon

        return setup_marathon
    if api == "chronos":
        from paasta_tools.devcluster.chronos.api import setup_chronos

        return setup_chronos
    from paasta_tools.devcluster.mesos.api import setup_mesos

    return setup_mesos


def build_applications(cluster: Cluster, apis: tuple[str, ...] = ALL_APIS) -> dict[str, web.Application]:
    """One aiohttp application per API, keyed by "marathon", "chronos" and "mesos"."""
    apps = {}
    for api in apis:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app[CLUSTER_KEY] = cluster
        _setup_function(api)(app, cluster)
        apps[api] = app
    return apps


async def start_servers(cluster: Cluster, apis: tuple[str, ...] = ALL_APIS) -> list[web.AppRunner]:
    """Start listening on the APIs' ports; returns the runners to clean up."""
    settings = cluster.settings
    ports = {"marathon": settings.marathon_port, "chronos": settings.chronos_port, "mesos": settings.mesos_port}
    runners = []
    try:
        for name, app in build_applications(cluster, apis).items():
            runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, settings.host, ports[name], reuse_address=True).start()
    except BaseException:
        for runner in reversed(runners):
            await runner.cleanup()
        raise
    return runners


async def stop_servers(cluster: Cluster, runners: list[web.AppRunner], kill_tasks: bool) -> None:
    """Stop serving, then the executor (and its tasks when ``kill_tasks``), then the store.

    One API failing to clean up never leaves the tasks running or the store open.
    """
    try:
        for runner in reversed(runners):
            try:
                await runner.cleanup()
            except Exception:
                log.exception("cleaning up an API server failed")
        await cluster.executor.shutdown(kill_tasks=kill_tasks)
    finally:
        cluster.store.close()


@dataclass
class RunningDevcluster:
    """A devcluster served from a background thread of this process."""

    cluster: Cluster
    marathon_url: str
    chronos_url: str
    mesos_url: str
    stop: Callable[..., None]


def start_in_thread(
    cluster: Cluster, kill_tasks_on_stop: bool = True, apis: tuple[str, ...] = ALL_APIS
) -> RunningDevcluster:
    """Serve ``cluster`` from a daemon thread; returns once the ports accept connections."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []
    runners: list[web.AppRunner] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            runners.extend(loop.run_until_complete(start_servers(cluster, apis)))
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            loop.run_until_complete(stop_servers(cluster, [], kill_tasks=True))
            loop.close()
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(stop_servers(cluster, runners, kill_tasks_on_stop))
        loop.close()

    thread = threading.Thread(target=run, name="devcluster", daemon=True)
    thread.start()
    ready.wait(30)
    if failure:
        raise failure[0]

    def stop(timeout: float = 30.0) -> None:
        if not thread.is_alive():
            return
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:  # the loop already closed: stopped before
            return
        thread.join(timeout)

    settings = cluster.settings
    base = f"http://{settings.host}"
    return RunningDevcluster(
        cluster=cluster,
        marathon_url=f"{base}:{settings.marathon_port}",
        chronos_url=f"{base}:{settings.chronos_port}",
        mesos_url=f"{base}:{settings.mesos_port}",
        stop=stop,
    )
