"""A real HAProxy (Debian ``haproxy``) standing in for a synapse: backends named as synapse names them.

``HaproxyStats(directory, {"svc.main": [("127.0.0.1", 31000, "localhost"), ...]}, stats_port)`` writes
``haproxy.cfg`` with one ``backend`` per ``service.namespace`` whose servers are the given tasks
(``<ip>:<port>_<hostname>``, TCP-checked every 100 ms) and a stats listener on 127.0.0.1 serving
``/;csv;norefresh``.  ``start()`` runs ``haproxy -db`` in the foreground of a child process and waits
until the stats page answers; ``stop()`` ends that process.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from paasta_tools.marathon.haproxy_csv import parse_haproxy_csv

Backend = tuple[str, int, str]  # ip, port, hostname


def missing_haproxy() -> str | None:
    """Why HAProxy cannot run here, or None."""
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        return "haproxy is not installed (run scripts/setup-machine.sh as root)"
    return None


def haproxy_config(backends: Mapping[str, Sequence[Backend]], stats_port: int) -> str:
    """The haproxy.cfg text: a stats listener and one TCP-checked backend per ``service.namespace``."""
    lines = [
        "global",
        "    maxconn 256",
        "defaults",
        "    mode tcp",
        "    timeout connect 500ms",
        "    timeout client 5s",
        "    timeout server 5s",
        "listen stats",
        f"    bind 127.0.0.1:{stats_port}",
        "    mode http",
        "    stats enable",
        "    stats uri /",
    ]
    for name, servers in backends.items():
        lines.append(f"backend {name}")
        for ip, port, hostname in servers:
            lines.append(f"    server {ip}:{port}_{hostname} {ip}:{port} check inter 100ms rise 1 fall 1")
    return "\n".join(lines) + "\n"


class HaproxyStats:
    """One haproxy process; ``csv_url`` is its stats CSV."""

    def __init__(self, directory: Path, backends: Mapping[str, Sequence[Backend]], stats_port: int) -> None:
        self.directory = Path(directory)
        self.stats_port = stats_port
        self.config_path = self.directory / "haproxy.cfg"
        self.config_path.write_text(haproxy_config(backends, stats_port))
        self.csv_url = f"http://127.0.0.1:{stats_port}/;csv;norefresh"
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> HaproxyStats:
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        check = subprocess.run([binary, "-c", "-f", str(self.config_path)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"haproxy rejects {self.config_path}: {check.stdout}{check.stderr}")
        log = open(self.directory / "haproxy.log", "wb")  # noqa: SIM115 - closed with the process
        self._process = subprocess.Popen([binary, "-db", "-f", str(self.config_path)], stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self._process.returncode}; see {self.directory}/haproxy.log")
            try:
                with urllib.request.urlopen(self.csv_url, timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"haproxy stats did not answer at {self.csv_url} within {timeout}s")

    def csv(self) -> str:
        with urllib.request.urlopen(self.csv_url, timeout=2) as response:
            return response.read().decode()

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._process = None

    def __enter__(self) -> HaproxyStats:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def statuses(haproxy: HaproxyStats, name: str = "svc.main") -> dict[int | None, str]:
    """``{port: status}`` of the backends of ``name`` (settled states are exactly UP or DOWN)."""
    return {b.port: b.status for b in parse_haproxy_csv(haproxy.csv()) if b.pxname == name}


@contextmanager
def listening(ports: Sequence[int]) -> Iterator[None]:
    """Accept (and close) TCP connections on 127.0.0.1 at ``ports``: live backends for HAProxy's checks."""
    stop = threading.Event()

    def serve(sock: socket.socket) -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.close()

    with ExitStack() as stack:
        threads = []
        for port in ports:
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen(16)
            sock.settimeout(0.1)
            threads.append(threading.Thread(target=serve, args=(sock,), daemon=True))
            threads[-1].start()
        try:
            yield
        finally:
            stop.set()
            for thread in threads:
                thread.join(2)
