"""Marathon path ids, task ids, timestamps and query booleans."""

from __future__ import annotations

import re
import time
import uuid

from paasta_tools.devcluster.marathon.errors import MarathonApiError, not_valid

SEGMENT_PATTERN = r"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$"
_SEGMENT = re.compile(SEGMENT_PATTERN)


def canonical_path(raw: str, base: str = "/") -> str:
    """Absolute, slash-collapsed form of ``raw`` (relative ids resolve against ``base``, ``.``/``..`` too)."""
    parts = [] if raw.startswith("/") else [p for p in base.split("/") if p]
    for part in raw.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def validate_path_id(raw: object, field: str = "/id", base: str = "/") -> str:
    """The canonical id, or Marathon's 422 naming ``field`` when a segment is invalid."""
    if not isinstance(raw, str):
        raise MarathonApiError(
            400, {"message": "Invalid JSON", "details": [{"path": field, "errors": ["error.expected.jsstring"]}]}
        )
    segments = [s for s in raw.split("/") if s]
    bad = [s for s in segments if not _SEGMENT.fullmatch(s)]
    if bad:
        raise not_valid([{"path": field, "errors": [f"must fully match regular expression '{SEGMENT_PATTERN}'"]}])
    canonical = canonical_path(raw, base)
    if canonical == "/":
        message = "Path must contain at least one path element" if not segments else "Path must not be the root"
        raise not_valid([{"path": field, "errors": [message]}])
    return canonical


def safe_app_id(app_id: str) -> str:
    """``/a/b`` → ``a_b``: the prefix of Marathon task ids."""
    return app_id.strip("/").replace("/", "_")


def new_task_id(app_id: str) -> str:
    return f"{safe_app_id(app_id)}.{uuid.uuid1()}"


def instance_id(task_id: str) -> str:
    """The 1.4 instance id of a task: ``<safeAppId>.marathon-<uuid>``."""
    prefix, _, rest = task_id.rpartition(".")
    return f"{prefix}.marathon-{rest}"


def app_id_of_task(task_id: str) -> str | None:
    """The app id a task id belongs to (None when the id does not look like a Marathon task id)."""
    prefix, dot, rest = task_id.rpartition(".")
    if not dot or not prefix or not rest:
        return None
    return "/" + prefix.replace("_", "/")


def format_ts(epoch: float) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ``, the only shape marathon-python parses."""
    total_ms = int(round(epoch * 1000))
    seconds, millis = divmod(total_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


class VersionClock:
    """Strictly increasing version timestamps (two changes in one millisecond still differ)."""

    def __init__(self) -> None:
        self._last_ms = 0

    def next(self) -> str:
        now_ms = max(int(time.time() * 1000), self._last_ms + 1)
        self._last_ms = now_ms
        return format_ts(now_ms / 1000)


def parse_bool(value: str | None, default: bool) -> bool:
    """Jersey's ``Boolean.valueOf``: only a case-insensitive ``true`` is true."""
    if value is None:
        return default
    return value.strip().lower() == "true"
