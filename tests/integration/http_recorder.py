"""A tiny HTTP server on 127.0.0.1 that records requests and answers from a table set by the test."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Request], tuple[int, Any]]


@dataclass
class Recorder:
    routes: dict[tuple[str, str], Responder] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def on(self, method: str, path: str, status: int = 200, body: Any = None, func: Responder | None = None) -> None:
        self.routes[(method, path)] = func or (lambda _req: (status, body))


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command, split.path, parse_qs(split.query), dict(self.headers), self.rfile.read(length)
            )
            recorder.requests.append(request)
            route = recorder.routes.get((self.command, split.path))
            status, body = route(request) if route else (404, {"message": f"URI not found: {split.path}"})
            data = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
