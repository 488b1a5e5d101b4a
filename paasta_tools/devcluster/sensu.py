"""A stand-in for the Sensu client socket: every event paasta sends is appended to a JSON-lines file.

pysensu-yelp opens a TCP connection to ``sensu_host:sensu_port``, writes one JSON document and a
newline, and closes it without reading.  There is no Sensu here, so the devcluster records the
events (``<data dir>/sensu-events.jsonl``) for people and tests to look at.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 1024 * 1024


def record_events(data: bytes, path: Path) -> int:
    """Append each JSON object of ``data`` (one per line) to ``path``; returns how many were kept."""
    kept = []
    for line in data.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            kept.append(json.dumps(event, sort_keys=True))
    if kept:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in kept))
    return len(kept)


async def start_sensu_recorder(port: int, path: Path, host: str = "127.0.0.1") -> asyncio.Server:
    """Listen on ``host:port``; raises OSError when the port is taken."""

    async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
        chunks, size = [], 0
        while size < MAX_EVENT_BYTES:
            chunk = await reader.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            data = await asyncio.wait_for(read_until_closed(reader), timeout=10)
            record_events(data, path)
        except (TimeoutError, OSError) as exc:
            log.warning("sensu event not recorded: %s", exc)
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)
