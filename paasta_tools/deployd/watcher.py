"""Polling the soa dir and the system config dir into fingerprints (the file I/O of paasta-deployd).

Polling works on every filesystem and needs no extra library; a poll a second is cheap because a
file is only read again when its inode, size or mtime changed, or while its mtime is so recent that
a second write within the filesystem's timestamp granularity could hide behind it.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from paasta_tools.deployd.changes import watched_file_names

RACY_WINDOW_NS = 2_000_000_000

StatKey = tuple[int, int, int]


class FileFingerprinter:
    """``digest(path)``: a content hash of the file, None when it is missing or unreadable; cached by stat."""

    def __init__(self, clock_ns: Callable[[], int] = time.time_ns) -> None:
        self._cache: dict[str, tuple[StatKey, str]] = {}
        self._clock_ns = clock_ns

    def digest(self, path: str) -> str | None:
        try:
            st = os.stat(path)
        except OSError:
            self._cache.pop(path, None)
            return None
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._cache.get(path)
        racy = self._clock_ns() - st.st_mtime_ns < RACY_WINDOW_NS
        if cached is not None and cached[0] == key and not racy:
            return cached[1]
        try:
            with open(path, "rb") as handle:
                digest = hashlib.sha1(handle.read()).hexdigest()
        except OSError:
            self._cache.pop(path, None)
            return None
        self._cache[path] = (key, digest)
        return digest


class SoaDirWatcher:
    """Fingerprints of every service's watched files (``marathon-<cluster>.yaml``, service.yaml, ...)."""

    def __init__(self, soa_dir: str, cluster: str, fingerprinter: FileFingerprinter | None = None) -> None:
        self.soa_dir = soa_dir
        self.names = sorted(watched_file_names(cluster))
        self.fingerprinter = fingerprinter or FileFingerprinter()

    def services(self) -> list[str]:
        try:
            entries = list(os.scandir(self.soa_dir))
        except OSError:
            return []
        return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())

    def scan(self) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for service in self.services():
            for name in self.names:
                digest = self.fingerprinter.digest(os.path.join(self.soa_dir, service, name))
                if digest is not None:
                    found[(service, name)] = digest
        return found


class SystemConfigWatcher:
    """Fingerprints of the ``*.json`` files of the system config directory (relative path → digest)."""

    def __init__(self, directory: str, fingerprinter: FileFingerprinter | None = None) -> None:
        self.directory = Path(directory)
        self.fingerprinter = fingerprinter or FileFingerprinter()

    def scan(self) -> dict[str, str]:
        found: dict[str, str] = {}
        try:
            paths = sorted(p for p in self.directory.rglob("*.json") if p.is_file())
        except OSError:
            return found
        for path in paths:
            digest = self.fingerprinter.digest(str(path))
            if digest is not None:
                found[str(path.relative_to(self.directory))] = digest
        return found
