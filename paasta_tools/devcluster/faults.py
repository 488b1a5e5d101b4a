"""Fault injection for tests: make the devcluster's Marathon API fail some requests on purpose.

``injector_for(cluster)`` is switched in-process by a test; the Marathon app carries
``fault_middleware(cluster)``, which also counts every request (method, path) it sees, so tests
and benchmarks can assert how many API calls a run made.
"""

from __future__ import annotations

import asyncio
import json
import threading
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

REQUEST_LOG_SIZE = 100_000


@dataclass
class Fault:
    """Answer ``status``/``body`` to the next ``times`` requests matching method and path prefix."""

    status: int
    method: str | None = None
    path_prefix: str = "/"
    times: int = 1
    body: Any = None
    delay: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and self.method in (None, method) and path.startswith(self.path_prefix)


@dataclass
class FaultInjector:
    """Pending faults and the log of requests seen."""

    faults: list[Fault] = field(default_factory=list)
    # bounded: a long-running devcluster must not grow without end
    requests: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        status: int,
        method: str | None = None,
        path_prefix: str = "/",
        times: int = 1,
        body: Any = None,
        delay: float = 0.0,
    ) -> Fault:
        """Queue a fault; ``body`` defaults to Marathon's ``{"message": ...}`` error shape."""
        if body is None:
            body = {"message": f"injected fault: HTTP {status}"}
        fault = Fault(status, method.upper() if method else None, path_prefix, times, body, delay)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, method: str | None = None, path_prefix: str = "/") -> int:
        """Requests seen so far with ``method`` (any when None) under ``path_prefix``."""
        with self._lock:
            return sum(1 for m, p in self.requests if method in (None, m) and p.startswith(path_prefix))

    def writes(self) -> list[tuple[str, str]]:
        """Every non-GET request seen (creates, scales, kills, deletes)."""
        with self._lock:
            return [(m, p) for m, p in self.requests if m != "GET"]

    def take(self, method: str, path: str) -> Fault | None:
        """Record the request; return (and use up once) the first fault that matches it."""
        with self._lock:
            self.requests.append((method, path))
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None


_INJECTORS: weakref.WeakKeyDictionary[Any, FaultInjector] = weakref.WeakKeyDictionary()


def injector_for(cluster: Any) -> FaultInjector:
    """The cluster's injector (created on first use)."""
    injector = _INJECTORS.get(cluster)
    if injector is None:
        injector = _INJECTORS[cluster] = FaultInjector()
    return injector


def fault_middleware(cluster: Any) -> Callable[..., Awaitable[web.StreamResponse]]:
    """An aiohttp middleware answering injected faults for ``cluster`` and counting requests."""
    injector = injector_for(cluster)

    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        fault = injector.take(request.method, request.path)
        if fault is None:
            return await handler(request)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return web.Response(body=json.dumps(fault.body).encode(), status=fault.status, content_type="application/json")

    return middleware
