"""The one Chronos client factory: chronos-python on Chronos 2.x paths, with errors worth reading.

chronos-python turns every failure (401, a 400 with Chronos' message, a refused connection) into
``ChronosAPIError('No remaining Chronos servers to try')`` after trying each server, and only logs what
went wrong.  :class:`ChronosClient` listens to those log records while it calls and puts them, per
server, into the :class:`~paasta_tools.errors.ChronosError` it raises; for calls naming a job it also
re-reads the job list to say when the job does not exist.
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import ChronosError

CHRONOS_LOGGER = "chronos"


@dataclass(frozen=True)
class ChronosServers:
    """``proto`` and ``host:port`` of each configured Chronos URL, as chronos-python wants them."""

    proto: str
    netlocs: tuple[str, ...]


def parse_chronos_urls(urls: str | Sequence[str]) -> ChronosServers:
    """Split ``chronos_config.url`` (one URL or a list) into scheme and netlocs; ChronosError if malformed."""
    listed = [urls] if isinstance(urls, str) else list(urls or [])
    if not listed:
        raise ChronosError("Chronos is not configured: system config key 'chronos_config' has an empty 'url' list")
    parsed = [urllib.parse.urlsplit(url) if isinstance(url, str) else None for url in listed]
    bad = [url for url, parts in zip(listed, parsed, strict=True) if parts is None or not parts.netloc]
    if bad:
        raise ChronosError(
            f"chronos_config url {bad[0]!r} is not a URL; write it like 'http://chronos.example.com:8081'"
        )
    schemes = {parts.scheme or "http" for parts in parsed if parts is not None}
    if len(schemes) != 1 or not schemes <= {"http", "https"}:
        raise ChronosError(f"chronos_config urls must all be http:// or all https://, got {listed!r}")
    return ChronosServers(proto=schemes.pop(), netlocs=tuple(parts.netloc for parts in parsed if parts is not None))


class _RecordCollector(logging.Handler):
    """Collects the messages chronos-python logs from one thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _collect_chronos_errors() -> Iterator[_RecordCollector]:
    collector = _RecordCollector()
    logger = logging.getLogger(CHRONOS_LOGGER)
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def explain_failure(action: str, messages: Sequence[str], error: Exception) -> str:
    """One message for a failed call from what chronos-python logged for each server and its final error."""
    details = []
    for message in messages:
        # chronos-python logs 401 as "Error while calling <url>: " (UnauthorizedError has no text).
        if message.rstrip().endswith(":"):
            message = message.rstrip() + " HTTP 401 Unauthorized: check chronos_config 'user' and 'password'"
        if message not in details:
            details.append(message)
    if not details:
        details.append(str(error) or type(error).__name__)
    return f"Chronos {action} failed: " + "; ".join(details)


CHRONOS_TIMEOUT_S = 30.0


def _apply_request_timeout(chronos_module: Any) -> None:
    """chronos-python opens its httplib2 connections without a timeout, so a Chronos that accepts a
    connection and never answers would hang every caller; its connections get CHRONOS_TIMEOUT_S (a
    timeout is a socket error to it: it tries the next server, then fails)."""
    import types

    import httplib2

    if getattr(chronos_module.httplib2, "with_timeout", False):
        return

    def http(*args: Any, **kwargs: Any) -> Any:
        return httplib2.Http(*args, timeout=CHRONOS_TIMEOUT_S, **kwargs)

    chronos_module.httplib2 = types.SimpleNamespace(
        Http=http, ServerNotFoundError=httplib2.ServerNotFoundError, with_timeout=True
    )


def _python_client_class() -> type:
    import chronos

    _apply_request_timeout(chronos)

    class _PythonClient(chronos.ChronosClient):
        def _check_fields(self, job: Mapping[str, Any]) -> bool:
            # Upstream extends the class-level required-field list on every call; check a copy instead.
            saved = chronos.ChronosJob.fields
            chronos.ChronosJob.fields = list(dict.fromkeys(saved))
            try:
                return super()._check_fields(job)
            finally:
                chronos.ChronosJob.fields = saved

    return _PythonClient


class ChronosClient:
    """chronos-python's client with each failure raised as ChronosError naming the call and the cause."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def _call(
        self,
        action: str,
        func: Callable[..., Any],
        *args: Any,
        job_name: str | None = None,
        parents: Sequence[str] = (),
    ) -> Any:
        import chronos

        with _collect_chronos_errors() as collector:
            try:
                return func(*args)
            except chronos.ChronosError as exc:
                message = explain_failure(action, collector.messages, exc)
        raise ChronosError(message + self._missing_jobs_note(job_name, parents))

    def _missing_jobs_note(self, job_name: str | None, parents: Sequence[str]) -> str:
        """Re-read the job list to tell whether the job (or a parent) the call needed does not exist."""
        if job_name is None and not parents:
            return ""
        try:
            known = {job.get("name") for job in self.list()}
        except ChronosError:
            return ""  # cannot tell; say nothing
        if job_name is not None and job_name not in known:
            return f" (Chronos has no job named {job_name!r})"
        missing = [parent for parent in parents if parent not in known]
        return f" (parents missing in Chronos: {', '.join(map(repr, missing))})" if missing else ""

    def list(self) -> list[dict[str, Any]]:
        """Every job (``GET /scheduler/jobs``)."""
        return list(self._call("list jobs", self.raw.list) or [])

    def search(self, name: str) -> list[dict[str, Any]]:
        """Jobs whose name contains ``name`` (Chronos returns at most 10; prefer :meth:`list` for exact lookups)."""
        return list(self._call(f"search for {name!r}", self.raw.search, name) or [])

    def add(self, job: Mapping[str, Any]) -> None:
        """Create a job (POST)."""
        self._call(f"add job {job.get('name')!r}", self.raw.add, dict(job), parents=job.get("parents") or ())

    def update(self, job: Mapping[str, Any]) -> None:
        """Create or replace a job (PUT on Chronos 2.x)."""
        self._call(f"update job {job.get('name')!r}", self.raw.update, dict(job), parents=job.get("parents") or ())

    def delete(self, name: str) -> None:
        self._call(f"delete job {name!r}", self.raw.delete, name, job_name=name)

    def delete_tasks(self, name: str) -> None:
        """Cancel queued and kill running tasks of a job."""
        self._call(f"kill tasks of job {name!r}", self.raw.delete_tasks, name, job_name=name)

    def run(self, name: str) -> None:
        """Start a run of the job now."""
        self._call(f"run job {name!r}", self.raw.run, name, job_name=name)

    def scheduler_graph(self) -> str:
        """The ``/scheduler/graph/csv`` text (see paasta_tools.chronos.last_run)."""
        return self._call("read the scheduler graph", self.raw.scheduler_graph) or ""

    def job_stat(self, name: str) -> dict[str, Any]:
        return self._call(f"read stats of job {name!r}", self.raw.job_stat, name, job_name=name)


def get_chronos_client(urls: str | Sequence[str], user: str | None = None, password: str | None = None):
    """A ChronosClient over chronos-python for the Chronos 2.x paths (``scheduler_api_version=None``)."""
    servers = parse_chronos_urls(urls)
    raw = _python_client_class()(
        list(servers.netlocs), proto=servers.proto, username=user, password=password, scheduler_api_version=None
    )
    return ChronosClient(raw)


def get_chronos_client_from_config(chronos_config: Mapping[str, Any] | None) -> ChronosClient:
    """The client for the system config's ``chronos_config`` dict ``{url: [...], user, password}``."""
    if not chronos_config or not chronos_config.get("url"):
        raise ChronosError("Chronos is not configured: system config key 'chronos_config' has no 'url'")
    return get_chronos_client(chronos_config["url"], chronos_config.get("user"), chronos_config.get("password"))
