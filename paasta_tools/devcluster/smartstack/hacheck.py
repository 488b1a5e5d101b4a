"""An emulator of hacheck, the per-host health-check proxy HAProxy asks about each task.

hacheck is not installable here; this serves its small HTTP contract on 127.0.0.1:
- ``GET /spool/<service.ns>/<port>/status``: 200 when up, else 503 with
  ``Service <service.ns> in down state since <epoch>[ until <epoch>]: <reason>``;
- ``POST`` there with form ``status=down&expiration=<epoch>&reason=...`` or ``status=up``;
  a down spool whose expiration has passed is dropped (up again) the next time it is queried;
- ``GET /http/<service.ns>/<port>/<uri>`` and ``/tcp/<service.ns>/<port>/``: 503 with the spool
  message while spooled down, else the task's own answer (HTTP GET of ``127.0.0.1:<port>/<uri>``, or
  a TCP connect).  Port 0 means "the server HAProxy is checking", read from ``X-Haproxy-Server-State``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import ClientError, ClientSession, ClientTimeout, web

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
MAX_BODY = 4096


@dataclass(frozen=True)
class Spool:
    """A down mark of one service.ns on one port."""

    since: float
    until: float
    reason: str

    def message(self, service: str) -> str:
        until = f" until {self.until}" if self.until else ""
        return f"Service {service} in down state since {self.since}{until}: {self.reason}"


@dataclass
class SpoolBook:
    """The spools by (service.ns, port); expired ones are dropped when looked at."""

    clock: Callable[[], float] = time.time
    spools: dict[tuple[str, str], Spool] = field(default_factory=dict)

    def get(self, service: str, port: str) -> Spool | None:
        spool = self.spools.get((service, port))
        if spool is not None and spool.until and spool.until < self.clock():
            del self.spools[(service, port)]
            return None
        return spool

    def down(self, service: str, port: str, expiration: float, reason: str) -> None:
        """Mark down; a task already down keeps its ``since`` (paasta re-drains on every run, and
        the drain delay counts from the first time)."""
        current = self.get(service, port)
        since = current.since if current is not None else self.clock()
        self.spools[(service, port)] = Spool(since, expiration, reason)

    def up(self, service: str, port: str) -> None:
        self.spools.pop((service, port), None)


def server_port_from_state(header: str) -> str | None:
    """The port of ``name=<backend>/<host>:<port>_<host>`` in HAProxy's send-state header."""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "name":
            server = value.partition("/")[2]
            port = server.partition("_")[0].rpartition(":")[2]
            return port if port.isdigit() else None
    return None


def _parse_expiration(text: str | None) -> float | None:
    try:
        return float(text or 0)
    except ValueError:
        return None


async def _spool_get(request: web.Request) -> web.Response:
    book: SpoolBook = request.app[BOOK_KEY]
    service, port = request.match_info["service"], request.match_info["port"]
    spool = book.get(service, port)
    if spool is None:
        return web.Response(text="")
    return web.Response(status=503, text=spool.message(service))


async def _spool_post(request: web.Request) -> web.Response:
    book: SpoolBook = request.app[BOOK_KEY]
    service, port = request.match_info["service"], request.match_info["port"]
    form = await request.post()
    status = form.get("status")
    if status == "up":
        book.up(service, port)
        return web.Response(text="")
    expiration = _parse_expiration(str(form.get("expiration") or ""))
    if status != "down" or expiration is None:
        return web.Response(status=400, text="status must be up or down, expiration a number of seconds since epoch")
    book.down(service, port, expiration, str(form.get("reason") or ""))
    return web.Response(text="")


def _check_port(request: web.Request) -> str | None:
    port = request.match_info["port"]
    if port == "0":
        return server_port_from_state(request.headers.get("X-Haproxy-Server-State", ""))
    return port if port.isdigit() else None


async def _check(request: web.Request) -> web.Response:
    book: SpoolBook = request.app[BOOK_KEY]
    service = request.match_info["service"]
    port = _check_port(request)
    if port is None:
        return web.Response(status=400, text="no port: give one in the path or an X-Haproxy-Server-State header")
    spool = book.get(service, port)
    if spool is not None:
        return web.Response(status=503, text=spool.message(service))
    if request.match_info["kind"] == "tcp":
        return await _tcp_check(int(port))
    return await _http_check(request.app[SESSION_KEY], int(port), request.match_info["uri"])


async def _tcp_check(port: int) -> web.Response:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), CHECK_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        return web.Response(status=503, text=f"TCP connection to port {port} failed: {exc}")
    writer.close()
    return web.Response(text="")


async def _http_check(session: ClientSession, port: int, uri: str) -> web.Response:
    url = f"http://127.0.0.1:{port}/{uri}"
    try:
        async with session.get(url, allow_redirects=False) as response:
            body = (await response.content.read(MAX_BODY)).decode(errors="replace")
            return web.Response(status=response.status, text=body)
    except (ClientError, OSError, TimeoutError) as exc:
        return web.Response(status=503, text=f"{url}: {exc.__class__.__name__}: {exc}")


BOOK_KEY = web.AppKey("spool_book", SpoolBook)
SESSION_KEY = web.AppKey("check_session", ClientSession)


def build_hacheck_app(book: SpoolBook | None = None) -> web.Application:
    """The hacheck application; ``book`` holds its spools (a fresh one by default)."""
    app = web.Application()
    app[BOOK_KEY] = book or SpoolBook()

    async def session_ctx(app: web.Application):  # type: ignore[no-untyped-def]
        app[SESSION_KEY] = ClientSession(timeout=ClientTimeout(total=CHECK_TIMEOUT_S))
        yield
        await app[SESSION_KEY].close()

    app.cleanup_ctx.append(session_ctx)
    app.router.add_get("/spool/{service}/{port}/status", _spool_get)
    app.router.add_post("/spool/{service}/{port}/status", _spool_post)
    app.router.add_get("/{kind:(http|tcp)}/{service}/{port}/{uri:.*}", _check)
    return app


async def start_hacheck(port: int, book: SpoolBook | None = None, host: str = "127.0.0.1") -> web.AppRunner:
    """Serve hacheck on ``host:port``; OSError when the port is taken.  Clean up with ``runner.cleanup()``."""
    runner = web.AppRunner(build_hacheck_app(book), access_log=None, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_address=True).start()
    except OSError:
        await runner.cleanup()
        raise
    return runner
