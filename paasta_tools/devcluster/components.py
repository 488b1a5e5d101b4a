"""The real side components a devcluster (and the test suite) runs: ZooKeeper, a Docker registry, paasta-api.

Each is a child process with its own data directory and 127.0.0.1 port, started from the Debian
packages (``zookeeper``, ``docker-registry``).  ``missing_*`` return why one cannot run here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ZOOKEEPER_JARS = ("/usr/share/java/zookeeper.jar", "/usr/share/java/slf4j-simple.jar")
ZOOKEEPER_CONF_DIR = "/etc/zookeeper/conf"
ZOOKEEPER_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain"


@dataclass(frozen=True)
class Component:
    """How to start one side component and tell when it is ready."""

    name: str
    argv: tuple[str, ...]
    port: int
    log_path: Path
    env: tuple[tuple[str, str], ...] = ()  # added to this process's environment


def missing_zookeeper() -> str | None:
    """Why ZooKeeper cannot run here (None when it can)."""
    if shutil.which("java") is None:
        return "java is not installed (apt-get install default-jre-headless)"
    absent = [jar for jar in ZOOKEEPER_JARS if not Path(jar).exists()]
    if absent:
        return f"{', '.join(absent)} not found (apt-get install zookeeper)"
    return None


def missing_registry() -> str | None:
    """Why the docker registry cannot run here (None when it can)."""
    if shutil.which("docker-registry") is None:
        return "docker-registry is not installed (apt-get install docker-registry)"
    return None


def zookeeper_component(work_dir: Path, port: int) -> Component:
    """Write ``zoo.cfg`` under ``work_dir`` and return how to run a standalone ZooKeeper on ``port``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "data").mkdir(exist_ok=True)
    config = work_dir / "zoo.cfg"
    config.write_text(
        "tickTime=2000\n"
        f"dataDir={work_dir / 'data'}\n"
        f"clientPort={port}\n"
        "clientPortAddress=127.0.0.1\n"
        "admin.enableServer=false\n"
        "4lw.commands.whitelist=ruok,stat,srvr,mntr\n"
    )
    classpath = ":".join((ZOOKEEPER_CONF_DIR, *ZOOKEEPER_JARS))
    argv = ("java", "-Xmx256m", "-cp", classpath, ZOOKEEPER_MAIN, str(config))
    return Component("zookeeper", argv, port, work_dir / "zookeeper.log")


def registry_component(work_dir: Path, port: int) -> Component:
    """Write the registry's ``config.yml`` under ``work_dir``; storage lives there too."""
    work_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {work_dir / 'storage'}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    return Component("registry", ("docker-registry", "serve", str(config)), port, work_dir / "registry.log")


def api_component(work_dir: Path, port: int, soa_dir: str, system_config_dir: Path) -> Component:
    """paasta-api of this Python on ``port`` for ``soa_dir``, its system config read from ``system_config_dir``."""
    import sys

    work_dir.mkdir(parents=True, exist_ok=True)
    argv = (sys.executable, "-m", "paasta_tools.api.api", "-d", soa_dir, str(port))
    env = (("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir)),)
    return Component("paasta-api", argv, port, work_dir / "paasta-api.log", env)


def start(component: Component) -> subprocess.Popen:
    """Start ``component`` in its own session, output appended to its log file."""
    with component.log_path.open("ab") as log:
        return subprocess.Popen(
            component.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=component.log_path.parent,
            env={**os.environ, "ZOO_LOG_DIR": str(component.log_path.parent), **dict(component.env)},
        )


def zookeeper_ready(port: int, timeout: float = 0.5) -> bool:
    """ZooKeeper answers ``ruok`` with ``imok``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"ruok")
            return sock.recv(16) == b"imok"
    except OSError:
        return False


def registry_ready(port: int, timeout: float = 0.5) -> bool:
    """The registry answers ``GET /v2/`` with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def api_ready(port: int, timeout: float = 0.5) -> bool:
    """paasta-api answers ``GET /v1/version`` with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/version", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def ready(component: Component) -> bool:
    checks = {"zookeeper": zookeeper_ready, "paasta-api": api_ready}
    return checks.get(component.name, registry_ready)(component.port)


def wait_ready(component: Component, process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Block until ``component`` answers; RuntimeError (with its log's tail) if it exits or times out."""
    deadline = time.monotonic() + timeout
    while not ready(component):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = component.log_path.read_text(errors="replace")[-2000:] if component.log_path.exists() else ""
            state = f"exited with {process.returncode}" if process.poll() is not None else "did not answer in time"
            raise RuntimeError(f"{component.name} on 127.0.0.1:{component.port} {state}; log:\n{tail}")
        time.sleep(0.05)


def stop(process: subprocess.Popen, timeout: float = 5.0) -> None:
    """TERM the component's process group, KILL it after ``timeout``."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, 15)
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()
    except ProcessLookupError:
        pass
