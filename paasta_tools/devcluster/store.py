"""Durable state of the devcluster: a small SQLite document store.

Every framework persists its own documents (apps, versions, jobs, task records) under a ``kind``;
``kill -9`` loses nothing that was written, because each write is its own committed transaction.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Store:
    """JSON documents keyed by (kind, key), persisted in one SQLite file (or in memory)."""

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.RLock()
        target = ":memory:" if path is None else str(path)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (kind TEXT, key TEXT, doc TEXT, PRIMARY KEY (kind, key))")
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one atomic commit (nestable)."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    def put(self, kind: str, key: str, doc: Any) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO docs (kind, key, doc) VALUES (?, ?, ?)",
                (kind, key, json.dumps(doc, separators=(",", ":"))),
            )

    def get(self, kind: str, key: str) -> Any | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM docs WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else json.loads(row[0])

    def delete(self, kind: str, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM docs WHERE kind = ? AND key = ?", (kind, key))

    def list(self, kind: str) -> list[tuple[str, Any]]:
        """All documents of ``kind`` as (key, doc), sorted by key."""
        with self._lock:
            rows = self._db.execute("SELECT key, doc FROM docs WHERE kind = ? ORDER BY key", (kind,)).fetchall()
        return [(key, json.loads(doc)) for key, doc in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
