"""An honest stand-in for hacheck's spool API (hacheck itself does not install here).

``POST /spool/<service>/<port>/status`` with form ``status=down&reason=..&expiration=<epoch>`` marks the
service down on that port, ``status=up`` marks it up; ``GET`` answers 200 when up, else 503 with
``Service <service> in down state since <epoch>[ until <epoch>]: <reason>`` as hacheck does.
An expired down spool is up again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Hacheck:
    port: int = 0
    clock: Callable[[], float] = time.time
    spools: dict[tuple[str, str], dict[str, float | str]] = field(default_factory=dict)
    posts: list[dict[str, str]] = field(default_factory=list)

    def state(self, service: str, port: int | str) -> dict[str, float | str] | None:
        spool = self.spools.get((service, str(port)))
        if spool and spool["until"] and float(spool["until"]) < self.clock():
            self.spools.pop((service, str(port)))
            return None
        return spool


def _handler(hacheck: Hacheck) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _parts(self) -> tuple[str, str] | None:
            parts = self.path.split("/")
            if len(parts) != 5 or parts[1] != "spool" or parts[4] != "status":
                return None
            return parts[2], parts[3]

        def _reply(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = self._parts()
            if parts is None:
                return self._reply(404, "not found")
            spool = hacheck.state(*parts)
            if spool is None:
                return self._reply(200, "")
            until = f" until {spool['until']}" if spool["until"] else ""
            self._reply(503, f"Service {parts[0]} in down state since {spool['since']}{until}: {spool['reason']}")

        def do_POST(self) -> None:
            parts = self._parts()
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            hacheck.posts.append({"path": self.path, **form})
            if parts is None or form.get("status") not in ("up", "down"):
                return self._reply(400, "bad request")
            if form["status"] == "up":
                hacheck.spools.pop(parts, None)
            else:
                hacheck.spools[parts] = {
                    "since": hacheck.clock(),
                    "until": float(form.get("expiration") or 0),
                    "reason": form.get("reason", ""),
                }
            self._reply(200, "")

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_hacheck(clock: Callable[[], float] = time.time) -> Iterator[Hacheck]:
    hacheck = Hacheck(clock=clock)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hacheck))
    hacheck.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield hacheck
    finally:
        server.shutdown()
        server.server_close()
