"""Reading paasta's logs: the event log the file writer wrote, and task sandboxes through Mesos.

``log_reader`` in the system config selects the event-log reader: ``{"driver": "file", "options":
{"path_format": ...}}`` reads the files the ``file`` log writer wrote (the same ``path_format``, its
``{cluster}``/``{instance}``/``{component}``/``{level}`` fields matched by globbing).  The stdout and
stderr components come from the Mesos sandboxes of the service's tasks on each cluster (the
cluster's ``mesos_url``, then each agent's ``/files/read``).

Every reader has ``read_new(log_filter)``: the first call returns what is there now, later calls only
what was appended since (``paasta logs -f``).  A reader never raises for one unreachable cluster or
unreadable file: it records a warning in ``warnings`` and goes on.
"""

from __future__ import annotations

import datetime
import os
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from paasta_tools.errors import LogsError, PaastaError, PaastaNotConfiguredError
from paasta_tools.logs.filtering import LogFilter
from paasta_tools.logs.model import SANDBOX_COMPONENTS, LogLine, parse_log_line
from paasta_tools.logs.sandbox import SandboxTask, agent_pids, sandbox_lines, service_tasks

PATH_FIELDS = frozenset({"service", "component", "level", "cluster", "instance"})
READ_CHUNK_BYTES = 1024 * 1024
INITIAL_SANDBOX_BYTES = 1024 * 1024


class LogReader(Protocol):
    """A source of log lines (see the module docstring)."""

    warnings: list[str]

    def read_new(self, log_filter: LogFilter) -> list[LogLine]: ...

    def describe(self) -> str: ...


def path_pattern(path_format: str, service: str) -> tuple[str, re.Pattern[str]]:
    """(directory to search, regex of full paths) of every file ``path_format`` gives for ``service``.

    Fields other than ``{service}`` match anything, ``/`` included: the writer's default cluster and
    instance ``N/A`` put a ``/`` into the path.
    """
    try:
        parsed = list(string.Formatter().parse(path_format))
    except ValueError as exc:
        raise LogsError(f"log_reader path_format {path_format!r} is not a valid format string: {exc}") from None
    regex, prefix, fixed = [], [], True
    for literal, name, _spec, _conversion in parsed:
        regex.append(re.escape(literal))
        prefix.append(literal if fixed else "")
        if name is None:
            continue
        if name not in PATH_FIELDS:
            raise LogsError(
                f"log_reader path_format {path_format!r} uses {{{name}}}; only {sorted(PATH_FIELDS)} are known"
            )
        if name == "service":
            regex.append(re.escape(service))
            prefix.append(service if fixed else "")
        else:
            regex.append(".*")
            fixed = False
    literal_prefix = "".join(prefix)
    root = literal_prefix if fixed else os.path.dirname(literal_prefix)
    return root or ".", re.compile("".join(regex) + r"\Z", re.DOTALL)


def matching_files(path_format: str, service: str) -> list[str]:
    """Sorted existing files whose path ``path_format`` can give for ``service``."""
    root, pattern = path_pattern(path_format, service)
    if os.path.isfile(root):
        return [root] if pattern.match(root) else []
    found = []
    for directory, _dirs, files in os.walk(root):
        found.extend(p for name in files if pattern.match(p := os.path.join(directory, name)))
    return sorted(found)


@dataclass
class _FileCursor:
    offset: int = 0
    remainder: bytes = b""


def _split_complete_lines(cursor: _FileCursor, data: bytes) -> list[str]:
    """Complete lines of ``cursor.remainder + data``; an unterminated last line waits in the cursor."""
    *complete, cursor.remainder = (cursor.remainder + data).split(b"\n")
    return [line.decode("utf-8", "replace") for line in complete]


@dataclass
class FileLogReader:
    """Reads the JSON lines of every file ``path_format`` names for the service."""

    path_format: str
    service: str
    warnings: list[str] = field(default_factory=list)
    _cursors: dict[str, _FileCursor] = field(default_factory=dict)

    def _read_file(self, path: str) -> list[str]:
        cursor = self._cursors.setdefault(path, _FileCursor())
        try:
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if size < cursor.offset:  # truncated or replaced: start again
                    cursor.offset, cursor.remainder = 0, b""
                handle.seek(cursor.offset)
                data = handle.read()
        except OSError as exc:
            self.warnings.append(f"Could not read log file {path}: {exc.strerror or exc}")
            return []
        cursor.offset += len(data)
        return _split_complete_lines(cursor, data)

    def describe(self) -> str:
        return f"the event log files {self.path_format} of {self.service}"

    def read_new(self, log_filter: LogFilter) -> list[LogLine]:
        lines = []
        for path in matching_files(self.path_format, self.service):
            for text in self._read_file(path):
                parsed = parse_log_line(text)
                if parsed is not None and log_filter.passes(parsed):
                    lines.append(parsed)
        return lines


@dataclass
class _SandboxFile:
    task: SandboxTask
    stream: str
    agent: Any
    path: str
    cursor: _FileCursor = field(default_factory=_FileCursor)
    started: bool = False


@dataclass
class SandboxLogReader:
    """Reads the stdout/stderr sandbox files of the service's tasks on one cluster through Mesos."""

    cluster: str
    mesos_url: str
    service: str
    now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)
    timeout: float = 10
    warnings: list[str] = field(default_factory=list)
    _files: dict[tuple[str, str], _SandboxFile] = field(default_factory=dict)
    _first_read: bool = True

    def describe(self) -> str:
        return f"the sandboxes of {self.service}'s tasks on cluster {self.cluster} (Mesos master {self.mesos_url})"

    def read_new(self, log_filter: LogFilter) -> list[LogLine]:
        streams = sorted(SANDBOX_COMPONENTS & log_filter.components)
        if not streams:
            return []
        first, self._first_read = self._first_read, False
        try:
            self._discover(log_filter, streams)
        except PaastaError as exc:
            self.warnings.append(f"Could not list the tasks of {self.service} on cluster {self.cluster}: {exc}")
        lines = []
        for key, sandbox in list(self._files.items()):
            try:
                texts = self._read(sandbox)
            except PaastaError as exc:
                self.warnings.append(f"Could not read {sandbox.path} of task {sandbox.task.task_id}: {exc}")
                del self._files[key]
                continue
            stamp = None if first else self.now()
            found = sandbox_lines(sandbox.task, sandbox.stream, texts, self.service, self.cluster, stamp)
            lines.extend(line for line in found if log_filter.passes(line))
        return lines

    def _discover(self, log_filter: LogFilter, streams: list[str]) -> None:
        """Add the sandbox files of tasks not seen before."""
        from paasta_tools.clients.mesos import MesosAgentClient, MesosMasterClient, agent_url_from_pid

        state = MesosMasterClient(self.mesos_url, timeout=self.timeout).state()
        instances = None if log_filter.instances is None else sorted(log_filter.instances)
        pids = agent_pids(state)
        agents: dict[str, tuple[Any, Mapping[str, Any]] | None] = {}
        for task in service_tasks(state, self.service, instances, self.now()):
            if all((task.task_id, s) in self._files for s in streams):
                continue
            pid = pids.get(task.slave_id, "")
            if pid not in agents:
                try:
                    agent = MesosAgentClient(agent_url_from_pid(pid), timeout=self.timeout)
                    agents[pid] = (agent, agent.agent_state())
                except PaastaError as exc:
                    agents[pid] = None  # that agent's tasks are skipped; the others are still read
                    self.warnings.append(f"Could not read the agent {pid or task.slave_id} on {self.cluster}: {exc}")
            if agents[pid] is None:
                continue
            agent, agent_state = agents[pid]
            directory = agent.sandbox_directory(agent_state, task.task_id)
            if directory is None:
                continue
            for stream in streams:
                sandbox = _SandboxFile(task, stream, agent, f"{directory}/{stream}")
                self._files.setdefault((task.task_id, stream), sandbox)

    def _read(self, sandbox: _SandboxFile) -> list[str]:
        size = int(sandbox.agent.read_file(sandbox.path, -1).get("offset") or 0)
        cursor = sandbox.cursor
        skip_partial = False
        if not sandbox.started:
            sandbox.started = True
            cursor.offset = max(size - INITIAL_SANDBOX_BYTES, 0)
            skip_partial = cursor.offset > 0
        chunks = []
        while cursor.offset < size:
            length = min(READ_CHUNK_BYTES, size - cursor.offset)
            chunks.append(str(sandbox.agent.read_file(sandbox.path, cursor.offset, length).get("data") or ""))
            cursor.offset += length
        lines = _split_complete_lines(cursor, "".join(chunks).encode("utf-8"))
        return lines[1:] if skip_partial and lines else lines


def sandbox_readers(system_config: Any, clusters: Iterable[str], service: str) -> tuple[list[LogReader], list[str]]:
    """One SandboxLogReader per cluster that has a ``mesos_url``; warnings for the others."""
    readers: list[LogReader] = []
    warnings = []
    for cluster in clusters:
        try:
            endpoints = system_config.get_cluster_endpoints(cluster)
        except PaastaNotConfiguredError as exc:
            warnings.append(f"No stdout/stderr for cluster {cluster}: {exc}")
            continue
        if not endpoints.mesos_url:
            warnings.append(f"No stdout/stderr for cluster {cluster}: no mesos_url in {system_config.directory}")
            continue
        readers.append(SandboxLogReader(cluster, endpoints.mesos_url, service))
    return readers, warnings


def event_log_reader(system_config: Any, service: str) -> LogReader:
    """The reader of the system config's ``log_reader`` (LogsError/PaastaNotConfiguredError if unusable)."""
    config = system_config.get_log_reader()
    driver = config.get("driver")
    options = config.get("options") or {}
    if driver != "file":
        raise LogsError(
            f"log_reader driver {driver!r} in the system config in {system_config.directory} "
            "is not supported; supported drivers: ['file']"
        )
    if not isinstance(options, Mapping) or not options.get("path_format"):
        raise LogsError(f"log_reader driver 'file' in {system_config.directory} needs options.path_format")
    return FileLogReader(str(options["path_format"]), service)


def build_readers(
    system_config: Any, service: str, components: frozenset[str], clusters: Iterable[str]
) -> tuple[list[LogReader], list[str]]:
    """The event-log reader, plus sandbox readers when stdout/stderr are wanted; and warnings."""
    readers = [event_log_reader(system_config, service)]
    warnings: list[str] = []
    if components & SANDBOX_COMPONENTS:
        sandbox, warnings = sandbox_readers(system_config, clusters, service)
        readers.extend(sandbox)
    return readers, warnings


def read_new(readers: Iterable[LogReader], log_filter: LogFilter) -> tuple[list[list[LogLine]], list[str]]:
    """Each reader's new lines, and the warnings they recorded meanwhile (then cleared)."""
    found, warnings = [], []
    for reader in readers:
        found.append(reader.read_new(log_filter))
        warnings.extend(reader.warnings)
        reader.warnings.clear()
    return found, warnings
