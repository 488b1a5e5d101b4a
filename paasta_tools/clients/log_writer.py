"""paasta's event log: one JSON object per line, written by the driver named in system config ``log_writer``.

Line format (sorted keys, ANSI escapes stripped, UTC isoformat timestamp)::

    {"cluster": ..., "component": ..., "instance": ..., "level": ..., "message": ..., "service": ...,
     "timestamp": ...}

Drivers: ``file`` (options ``path_format`` with ``{service}``, ``{component}``, ``{level}``,
``{cluster}``, ``{instance}``; ``mode``; ``line_delimiter``; ``flock``) and ``null``.  Without a
``log_writer`` in the system config nothing is logged.
"""

from __future__ import annotations

import abc
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from paasta_tools.errors import PaastaNotConfiguredError

ANY_CLUSTER = "N/A"
ANY_INSTANCE = "N/A"
DEFAULT_LOGLEVEL = "event"
LOG_LEVELS = ("event", "debug")
LOG_COMPONENTS = ("build", "deploy", "monitoring", "marathon", "chronos", "app_output", "stdout", "stderr")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def remove_ansi_escape_sequences(line: str) -> str:
    """``line`` without terminal colour codes."""
    return _ANSI_RE.sub("", line)


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


def format_log_line(
    level: str,
    cluster: str,
    service: str,
    instance: str,
    component: str,
    line: str,
    timestamp: str | None = None,
) -> str:
    """One log line as sorted-key JSON (no trailing newline)."""
    if component not in LOG_COMPONENTS:
        raise ValueError(f"log component {component!r} is not one of {list(LOG_COMPONENTS)}")
    return json.dumps(
        {
            "timestamp": timestamp or _now(),
            "level": level,
            "cluster": cluster,
            "service": service,
            "instance": instance,
            "component": component,
            "message": remove_ansi_escape_sequences(line),
        },
        sort_keys=True,
    )


class LogWriter(Protocol):
    """Anything that can record one log line."""

    def log(
        self,
        service: str,
        line: str,
        component: str,
        level: str = DEFAULT_LOGLEVEL,
        cluster: str = ANY_CLUSTER,
        instance: str = ANY_INSTANCE,
    ) -> None: ...


class _FormattingLogWriter(abc.ABC):
    """``log()`` formats the line (checking its component) and hands it to ``write`` with the fields it names."""

    def log(
        self,
        service: str,
        line: str,
        component: str,
        level: str = DEFAULT_LOGLEVEL,
        cluster: str = ANY_CLUSTER,
        instance: str = ANY_INSTANCE,
    ) -> None:
        text = format_log_line(level, cluster, service, instance, component, line)
        fields = {"service": service, "component": component, "level": level, "cluster": cluster, "instance": instance}
        self.write(text, fields)

    @abc.abstractmethod
    def write(self, text: str, fields: Mapping[str, str]) -> None:
        """Record one formatted line; ``fields`` are its service, component, level, cluster and instance."""


@dataclass(frozen=True)
class NullLogWriter(_FormattingLogWriter):
    """Discards every line."""

    def write(self, text: str, fields: Mapping[str, str]) -> None:
        return None


def _warn_on_stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


@dataclass(frozen=True)
class FileLogWriter(_FormattingLogWriter):
    """Appends each line to the file named by ``path_format``, in a single write (optionally under flock)."""

    path_format: str
    mode: str = "a+"
    line_delimiter: str = "\n"
    flock: bool = False
    on_error: Callable[[str], None] = _warn_on_stderr

    def write(self, text: str, fields: Mapping[str, str]) -> None:
        to_write = text + self.line_delimiter
        try:
            path = self.path_format.format(**fields)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            self.on_error(f"Could not log: bad log_writer path_format {self.path_format!r} ({exc!r})")
            return
        try:
            try:
                self._append(path, to_write)
            except FileNotFoundError:
                # The log directory is created on first use (e.g. a fresh devcluster's logs/).
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                self._append(path, to_write)
        except OSError as exc:
            # A log that cannot be written must not fail the deploy action itself.
            self.on_error(f"Could not log to {path}: {type(exc).__name__}: {exc} -- would have logged: {to_write}")

    def _append(self, path: str, text: str) -> None:
        with open(path, self.mode, encoding="utf-8") as f:
            if self.flock:
                import fcntl

                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            f.write(text)


LOG_WRITERS: dict[str, Callable[..., LogWriter]] = {"file": FileLogWriter, "null": NullLogWriter}


def log_writer_from_config(config: Mapping[str, Any] | None, where: str = "system config") -> LogWriter:
    """Build the writer of a ``log_writer`` config ``{"driver": ..., "options": {...}}`` (None → null writer)."""
    if not config:
        return NullLogWriter()
    driver = config.get("driver")
    if driver not in LOG_WRITERS:
        raise PaastaNotConfiguredError(f"log_writer driver {driver!r} in {where} is not one of {sorted(LOG_WRITERS)}")
    options = config.get("options") or {}
    if driver == "file":
        if not isinstance(options, Mapping) or "path_format" not in options:
            raise PaastaNotConfiguredError(f"log_writer driver 'file' in {where} needs options.path_format")
        allowed = {"path_format", "mode", "line_delimiter", "flock"}
        kwargs = {k: v for k, v in options.items() if k in allowed}
        if "line_delimeter" in options:  # upstream's spelling of the option
            kwargs.setdefault("line_delimiter", options["line_delimeter"])
        return FileLogWriter(**kwargs)
    return NullLogWriter()


def load_log_writer(load_config: Callable[[], Any] | None = None) -> LogWriter:
    """The writer configured by the system config's ``log_writer``; the null writer when there is none.

    ``load_config`` returns a SystemPaastaConfig (default: read the system config directory).
    """
    if load_config is None:
        from paasta_tools.system_config import load_system_paasta_config as load_config
    try:
        config = load_config()
        writer_config = config.get_log_writer()
    except PaastaNotConfiguredError:
        return NullLogWriter()
    return log_writer_from_config(writer_config, where=f"the system config in {config.directory}")
