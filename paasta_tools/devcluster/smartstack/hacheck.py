"""An emulator of hacheck, the per-host health-check proxy HAProxy asks about each task.

hacheck is not installable here; this serves its small HTTP contract on 127.0.0.1:
- ``GET /spool/<service.ns>/<port>/status``: 200 when up, else 503 with
  ``Service <service.ns> in down state since <epoch>[ until <epoch>]: <reason>``;
- ``POST`` there with form ``status=down&expiration=<epoch>&reason=...`` or ``status=up``;
  a down spool whose expiration has passed is dropped (up again) the next time it is queried;
- ``GET /http/<service.ns>/<port>/<uri>`` and ``/tcp/<service.ns>/<port>/``: 503 with the spool
  message while spooled down, else the task's own answer (HTTP GET of ``127.0.0.1:<port>/<uri>``, or
  a TCP connect).  Port 0 means "the server HAProxy is checking", read from ``X-Haproxy-Server-State``.

As hacheck keeps its spool on disk, a book given a ``path`` writes its spools there (atomically, on
every change) and reads them back when created, so a restarted SmartStack still has drained tasks down.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from paasta_tools.devcluster.json_files import write_json

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
MAX_BODY = 4096
SPOOL_FILE = "hacheck_spools.json"
SPOOL_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Spool:
    """A down mark of one service.ns on one port."""

    since: float
    until: float
    reason: str

    def message(self, service: str) -> str:
        until = f" until {self.until}" if self.until else ""
        return f"Service {service} in down state since {self.since}{until}: {self.reason}"


def spools_to_json(spools: Mapping[tuple[str, str], Spool]) -> dict[str, Any]:
    """The spools as the JSON document of the spool file, sorted by service and port."""
    entries = [
        {"service": service, "port": port, "since": spool.since, "until": spool.until, "reason": spool.reason}
        for (service, port), spool in sorted(spools.items())
    ]
    return {"version": SPOOL_FORMAT_VERSION, "spools": entries}


def _spool_entry(entry: Any) -> tuple[tuple[str, str], Spool] | None:
    if not isinstance(entry, dict):
        return None
    try:
        key = (str(entry["service"]), str(entry["port"]))
        spool = Spool(float(entry["since"]), float(entry.get("until") or 0), str(entry.get("reason") or ""))
    except (KeyError, TypeError, ValueError):
        return None
    return key, spool


def spools_from_json(document: Any, now: float) -> dict[tuple[str, str], Spool]:
    """The spools of a spool-file document, without those expired at ``now`` and malformed entries."""
    entries = document.get("spools") if isinstance(document, dict) else None
    spools = {}
    for parsed in map(_spool_entry, entries if isinstance(entries, list) else ()):
        if parsed is not None and not (parsed[1].until and parsed[1].until < now):
            spools[parsed[0]] = parsed[1]
    return spools


def load_spools(path: Path, now: float) -> dict[tuple[str, str], Spool]:
    """The unexpired spools saved in ``path``; none when it is missing or unreadable (logged)."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("hacheck: ignoring the spool file %s: %s", path, exc)
        return {}
    return spools_from_json(document, now)


def save_spools(path: Path, spools: Mapping[tuple[str, str], Spool]) -> None:
    """Replace ``path`` with the spools at once (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, spools_to_json(spools))


@dataclass
class SpoolBook:
    """The spools by (service.ns, port); expired ones are dropped when looked at.

    With a ``path`` the spools saved there are loaded at creation and every change is saved.
    """

    clock: Callable[[], float] = time.time
    spools: dict[tuple[str, str], Spool] = field(default_factory=dict)
    path: Path | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            self.spools.update(load_spools(self.path, self.clock()))
            self._save()  # expired spools leave the file too

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            save_spools(self.path, self.spools)
        except OSError as exc:  # the spools still work in memory
            log.warning("hacheck: cannot write the spool file %s: %s", self.path, exc)

    def get(self, service: str, port: str) -> Spool | None:
        spool = self.spools.get((service, port))
        if spool is not None and spool.until and spool.until < self.clock():
            del self.spools[(service, port)]
            self._save()
            return None
        return spool

    def down(self, service: str, port: str, expiration: float, reason: str) -> None:
        """Mark down; a task already down keeps its ``since`` (paasta re-drains on every run, and
        the drain delay counts from the first time)."""
        current = self.get(service, port)
        since = current.since if current is not None else self.clock()
        self.spools[(service, port)] = Spool(since, expiration, reason)
        self._save()

    def up(self, service: str, port: str) -> None:
        if self.spools.pop((service, port), None) is not None:
            self._save()


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
