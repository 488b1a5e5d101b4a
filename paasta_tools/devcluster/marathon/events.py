"""Marathon's event bus, served as Server-Sent Events on ``/v2/events``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from paasta_tools.devcluster.marathon.ids import format_ts

QUEUE_LIMIT = 1000


class EventBus:
    """Fan-out of event JSON to every subscriber; a slow subscriber loses its oldest events, not the server."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)

    def publish(self, event_type: str, payload: dict[str, Any]) -> None:
        """Send one event (``eventType`` and ``timestamp`` are added) to every subscriber."""
        if not self._subscribers:
            return
        event = {"eventType": event_type, **payload, "timestamp": format_ts(time.time())}
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def close(self) -> None:
        """End every open stream (server shutdown)."""
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(None)  # type: ignore[arg-type]
