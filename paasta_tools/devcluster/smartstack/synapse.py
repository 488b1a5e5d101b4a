"""The devcluster's synapse: keeps HAProxy in step with Marathon's running tasks, next to hacheck.

Every ``interval`` seconds it reads ``/v2/apps?embed=apps.tasks`` from the devcluster's Marathon,
works out the SmartStack topology from the soa dir and, when the rendered haproxy.cfg differs from
the running one, reloads HAProxy gracefully.  hacheck (the emulator) answers on ``hacheck_port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from paasta_tools.devcluster.smartstack.hacheck import SPOOL_FILE, SpoolBook, start_hacheck
from paasta_tools.devcluster.smartstack.haproxy_config import (
    HaproxySettings,
    render_haproxy_config,
    server_state_file,
)
from paasta_tools.devcluster.smartstack.haproxy_process import HaproxyProcesses, port_bindable
from paasta_tools.devcluster.smartstack.topology import Namespace, read_topology
from paasta_tools.errors import DevclusterError

log = logging.getLogger(__name__)

MARATHON_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SmartStackSettings:
    """What the synapse stand-in watches and where it answers."""

    soa_dir: Path
    cluster: str
    marathon_url: str
    work_dir: Path
    synapse_port: int = 3212
    hacheck_port: int = 6666
    interval: float = 0.5
    check_interval_ms: int = 500


class SmartStack:
    """hacheck plus a synapse loop driving HAProxy; ``start()``/``stop()`` inside an event loop."""

    def __init__(self, settings: SmartStackSettings, on_processes: Callable[[list[int]], None] | None = None) -> None:
        self.settings = settings
        self.haproxy = HaproxyProcesses(settings.work_dir)
        self.book = SpoolBook(path=settings.work_dir / SPOOL_FILE)  # drained tasks stay down across restarts
        self.on_processes = on_processes or (lambda pids: None)
        self.config_text: str | None = None
        self._failed_text: str | None = None
        self._hacheck: web.AppRunner | None = None
        self._loop_task: asyncio.Task | None = None
        self._session: ClientSession | None = None
        self._warned: set[tuple[str, int]] = set()

    @property
    def haproxy_settings(self) -> HaproxySettings:
        s = self.settings
        return HaproxySettings(
            s.synapse_port,
            s.hacheck_port,
            check_interval_ms=s.check_interval_ms,
            admin_socket=str(self.haproxy.admin_socket),
            state_file=str(self.haproxy.state_path),
        )

    async def start(self) -> None:
        """Serve hacheck, start HAProxy with the current topology and keep it in step.

        HAProxy processes left by an earlier synapse of the same work dir (killed with its
        devcluster) are stopped first; DevclusterError names the flag of a port in use.
        """
        leftovers = await asyncio.to_thread(self.haproxy.stop_leftovers)
        if leftovers:
            log.info("stopped %d HAProxy process(es) an earlier devcluster left running", leftovers)
        self._check_ports()
        try:
            self._hacheck = await start_hacheck(self.settings.hacheck_port, self.book)
        except OSError as exc:
            raise DevclusterError(
                f"hacheck cannot listen on 127.0.0.1:{self.settings.hacheck_port} (--hacheck-port): "
                f"{exc.strerror or exc}"
            ) from None
        self._session = ClientSession(timeout=ClientTimeout(total=MARATHON_TIMEOUT_S))
        try:
            await self._apply([], raise_errors=True)
        except DevclusterError:
            await self.stop()
            raise
        await self._sync_logged()  # so that the namespaces answer as soon as start() returns
        self._loop_task = asyncio.create_task(self._run())

    def _check_ports(self) -> None:
        s = self.settings
        for flag, port in (("--synapse-port", s.synapse_port), ("--hacheck-port", s.hacheck_port)):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError as exc:
                    raise DevclusterError(f"127.0.0.1:{port} ({flag}) is not free: {exc.strerror or exc}") from None

    async def stop(self) -> None:
        """Stop the loop, hacheck and every HAProxy process."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self._session is not None:
            await self._session.close()
        if self._hacheck is not None:
            await self._hacheck.cleanup()
        await asyncio.to_thread(self.haproxy.stop)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.interval)
            await self._sync_logged()

    async def _sync_logged(self) -> None:
        try:
            await self.sync_once()
        except Exception:  # one bad round (odd soa-configs, a crashed haproxy) never ends the loop
            log.exception("synapse round failed")

    async def _marathon_apps(self) -> list[dict[str, Any]] | None:
        assert self._session is not None
        url = f"{self.settings.marathon_url}/v2/apps"
        try:
            async with self._session.get(url, params={"embed": "apps.tasks"}) as response:
                if response.status != 200:
                    log.warning("synapse: %s answered HTTP %s", url, response.status)
                    return None
                return list((await response.json()).get("apps") or [])
        except (ClientError, OSError, TimeoutError, ValueError) as exc:
            log.warning("synapse: cannot read %s: %s", url, exc)
            return None

    async def sync_once(self) -> None:
        """One round: read tasks, render, reload HAProxy if the configuration changed."""
        apps = await self._marathon_apps()
        if apps is None:
            return
        s = self.settings
        topology = await asyncio.to_thread(read_topology, s.soa_dir, s.cluster, apps)
        await self._apply([self._without_busy_port(namespace) for namespace in topology])
        self.haproxy.reap()

    def _without_busy_port(self, namespace: Namespace) -> Namespace:
        # Another program on a proxy_port would make every reload fail: that namespace goes
        # without a frontend (its backend stays), the others are unaffected.
        if not namespace.proxy_port or port_bindable(namespace.proxy_port):
            return namespace
        if (namespace.name, namespace.proxy_port) not in self._warned:
            self._warned.add((namespace.name, namespace.proxy_port))
            log.warning(
                "%s: proxy_port %d is used by another program; no frontend", namespace.name, namespace.proxy_port
            )
        return dataclasses.replace(namespace, proxy_port=0)

    async def _apply(self, topology: list[Namespace], raise_errors: bool = False) -> None:
        text = render_haproxy_config(topology, self.haproxy_settings)
        running = self.haproxy.current is not None and self.haproxy.current.poll() is None
        if text == self.config_text and running:
            return
        if text == self._failed_text and running:
            return  # already reported; wait for the soa-configs or tasks to change
        try:
            await asyncio.to_thread(self.haproxy.apply, text, lambda dump: server_state_file(dump, topology))
        except DevclusterError as exc:
            if raise_errors:
                raise
            self._failed_text = text
            log.error("synapse: HAProxy keeps its previous configuration: %s", exc)
            return
        self.config_text, self._failed_text = text, None
        self.on_processes(self.haproxy.pids())


@dataclass
class SmartStackThread:
    """A SmartStack running in its own event loop thread (tests, tools); ``stop()`` ends it."""

    smartstack: SmartStack
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread

    def stop(self, timeout: float = 15.0) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout)


def start_smartstack_in_thread(settings: SmartStackSettings) -> SmartStackThread:
    """Start a SmartStack in a background thread; raises what ``start()`` raises."""
    loop = asyncio.new_event_loop()
    smartstack_box: list[SmartStack] = []
    failure: list[BaseException] = []
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        smartstack = SmartStack(settings)
        smartstack_box.append(smartstack)
        try:
            loop.run_until_complete(smartstack.start())
        except BaseException as exc:  # handed to the caller
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(smartstack.stop())
        loop.close()

    thread = threading.Thread(target=run, name="smartstack", daemon=True)
    thread.start()
    ready.wait(30)
    if failure:
        raise failure[0]
    return SmartStackThread(smartstack_box[0], loop, thread)
