"""Run HAProxy (Debian ``haproxy``) for the devcluster's synapse, reloading it gracefully.

Every configuration change starts a new ``haproxy -db -f haproxy.cfg -x <admin socket> -sf <old pids>``:
the new process takes the old one's listening sockets over the admin socket (``expose-fd listeners``;
it binds its own only for new frontends) and then tells the old ones to stop and finish their
connections, a seamless reload as synapse's reload command does.  A configuration HAProxy rejects
keeps the old one.
Blocking: call from a thread when inside an event loop.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from paasta_tools.devcluster.executors.process import pid_start_ticks
from paasta_tools.errors import DevclusterError

HAPROXY_PATHS = ("/usr/sbin/haproxy",)
START_TIMEOUT_S = 5.0
SOCKET_TIMEOUT_S = 2.0
MAX_UNIX_PATH = 100  # sun_path holds 108 bytes


def admin_socket_path(work_dir: Path) -> Path:
    """``<work_dir>/haproxy.sock``, or a short path under the temp dir when that one is too long."""
    path = Path(work_dir) / "haproxy.sock"
    if len(str(path)) <= MAX_UNIX_PATH:
        return path
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"paasta-synapse-{digest}.sock"


def admin_command(path: Path, command: str) -> str:
    """Send one command to HAProxy's admin socket; its answer ("" when nothing answers there)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(SOCKET_TIMEOUT_S)
            sock.connect(str(path))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return ""
    return b"".join(chunks).decode(errors="replace")


def haproxy_binary() -> str | None:
    """The haproxy executable, or None when it is not installed."""
    found = shutil.which("haproxy")
    if found:
        return found
    return next((path for path in HAPROXY_PATHS if Path(path).exists()), None)


def missing_haproxy() -> str | None:
    """Why HAProxy cannot run here (None when it can)."""
    if haproxy_binary() is None:
        return "haproxy is not installed (apt-get install haproxy)"
    return None


def port_bindable(port: int) -> bool:
    """Whether HAProxy could bind 127.0.0.1:``port``: free, or held only by SO_REUSEPORT listeners
    (our running HAProxy) — not by another program."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class HaproxyProcesses:
    """The HAProxy processes of one synapse: the current one and the old ones still finishing."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.work_dir / "haproxy.cfg"
        self.log_path = self.work_dir / "haproxy.log"
        self.state_path = self.work_dir / "server-state"
        self.admin_socket = admin_socket_path(self.work_dir)
        self.pids_path = self.work_dir / "haproxy.pids"
        # apply() runs in a worker thread that outlives a cancelled caller: stop() waits for it
        # and later applies refuse, so that no HAProxy starts after stop().
        self._lock = threading.Lock()
        self._closed = False
        self.current: subprocess.Popen | None = None
        self.old: list[subprocess.Popen] = []
        self.reloads = 0

    def _check(self, binary: str, path: Path) -> None:
        result = subprocess.run([binary, "-c", "-q", "-f", str(path)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DevclusterError(f"haproxy rejects {path}: {(result.stdout + result.stderr).strip()[-2000:]}")

    def apply(self, config: str, server_state: Callable[[str], str] | None = None) -> subprocess.Popen:
        """Run HAProxy with ``config``, replacing the running one; DevclusterError if it cannot.

        ``server_state(dump)`` turns the running HAProxy's ``show servers state`` into the
        state file the new one loads (see haproxy_config.server_state_file).
        """
        with self._lock:
            if self._closed:
                raise DevclusterError(f"the HAProxy of {self.work_dir} was stopped")
            return self._apply(config, server_state)

    def _apply(self, config: str, server_state: Callable[[str], str] | None) -> subprocess.Popen:
        binary = haproxy_binary()
        if binary is None:
            raise DevclusterError(missing_haproxy() or "haproxy is not installed")
        candidate = self.work_dir / "haproxy.cfg.new"
        candidate.write_text(config)
        self._check(binary, candidate)
        candidate.replace(self.config_path)
        previous = [p for p in [self.current, *self.old] if p is not None and p.poll() is None]
        if server_state is not None:
            dump = admin_command(self.admin_socket, "show servers state") if previous else ""
            self.state_path.write_text(server_state(dump))
        argv = [binary, "-db", "-f", str(self.config_path)]
        if previous and self.admin_socket.exists():
            argv += ["-x", str(self.admin_socket)]  # the listeners are handed over, not bound again
        if previous:
            argv += ["-sf", *(str(p.pid) for p in previous)]
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        # Recorded before waiting: a devcluster killed mid-reload must leave no HAProxy that the
        # next `up` does not know about (it would keep holding the synapse port).
        self._record([process, *previous])
        self._wait_started(process, previous)
        self.current, self.old = process, previous
        self.reloads += 1 if previous else 0
        self._record()
        return process

    def _record(self, processes: list[subprocess.Popen] | None = None) -> None:
        pids = self.pids() if processes is None else [p.pid for p in processes if p.poll() is None]
        records = [{"pid": pid, "start_ticks": pid_start_ticks(pid)} for pid in pids]
        self.pids_path.write_text(json.dumps(records))

    def stop_leftovers(self) -> int:
        """Terminate HAProxy processes an earlier synapse of this work dir left running (it was killed);
        returns how many.  A pid is only signalled while its start time still matches the record."""
        try:
            records = json.loads(self.pids_path.read_text())
        except (OSError, ValueError):
            return 0
        stopped = 0
        for record in records if isinstance(records, list) else []:
            pid = record.get("pid") if isinstance(record, dict) else None
            ticks = record.get("start_ticks") if isinstance(record, dict) else None
            if isinstance(pid, int) and ticks is not None and pid_start_ticks(pid) == ticks:
                try:
                    os.kill(pid, signal.SIGTERM)
                    stopped += 1
                except ProcessLookupError:
                    continue
                deadline = time.monotonic() + START_TIMEOUT_S
                while pid_start_ticks(pid) is not None and time.monotonic() < deadline:
                    time.sleep(0.02)
        self.pids_path.unlink(missing_ok=True)
        return stopped

    def _wait_started(self, process: subprocess.Popen, previous: list[subprocess.Popen]) -> None:
        # Started = the old processes let go (they only do once the new one bound its ports),
        # or, on a first start, still running after a short while.
        deadline = time.monotonic() + START_TIMEOUT_S
        settle = time.monotonic() + 0.2
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                raise DevclusterError(f"haproxy exited with {process.returncode}; {self.log_path}:\n{tail}")
            if previous and all(p.poll() is not None for p in previous):
                return
            if not previous and time.monotonic() > settle:
                return
            time.sleep(0.02)

    def reap(self) -> None:
        """Forget old processes that have finished."""
        self.old = [p for p in self.old if p.poll() is None]

    def pids(self) -> list[int]:
        """Pids of every HAProxy process still running, the current one first."""
        return [p.pid for p in [self.current, *self.old] if p is not None and p.poll() is None]

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate every HAProxy process of this synapse; later ``apply`` calls are refused."""
        with self._lock:
            self._closed = True
            self._terminate(timeout)

    def _terminate(self, timeout: float) -> None:
        processes = [p for p in [self.current, *self.old] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        self.current, self.old = None, []
        self.pids_path.unlink(missing_ok=True)
