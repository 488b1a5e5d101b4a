"""``paasta-devcluster up|down|status`` (also ``paasta devcluster ...``).

``up`` starts the devcluster in the background (or with ``--foreground``), writes a ready system
config dir and prints ``export PAASTA_SYSTEM_CONFIG_DIR=...`` on stdout (everything else goes to
stderr, so ``eval "$(paasta-devcluster up)"`` works).  ``down`` stops all it started, task
containers and processes included; ``status`` reports what runs and where.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0
DEFAULTS = {
    "marathon": 8080,
    "chronos": 8081,
    "mesos": 5050,
    "zookeeper": 2181,
    "registry": 5000,
    "sensu": 3030,
    "synapse": 3212,  # SmartStack's and paasta-api's ports are only used with --soa-dir
    "hacheck": 6666,
    "api": 5054,
}


def default_data_dir() -> Path:
    """``$PAASTA_DEVCLUSTER_DIR`` or ``~/.paasta-devcluster``."""
    return Path(os.environ.get("PAASTA_DEVCLUSTER_DIR") or Path.home() / ".paasta-devcluster")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The up/down/status sub-commands and their flags, on ``parser``."""
    parser.add_argument("--data-dir", type=Path, default=None, help="state, logs and system config of the cluster")
    actions = parser.add_subparsers(dest="action", metavar="{up,down,status}")
    actions.required = True
    up = actions.add_parser("up", help="start the devcluster (in the background unless --foreground)")
    up.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="as --data-dir before the action")
    up.add_argument(
        "--cluster-name", type=_cluster_name, default="devcluster", help="cluster name (default: devcluster)"
    )
    for name, port in DEFAULTS.items():
        up.add_argument(f"--{name}-port", type=_port, default=port, help=f"127.0.0.1 port of {name} (default {port})")
    up.add_argument(
        "--executor",
        choices=("auto", "docker", "process", "noop"),
        default="auto",
        help="how tasks run: docker containers, local processes, or nothing (default auto: docker if it answers)",
    )
    up.add_argument(
        "--attribute",
        dest="attributes",
        action="append",
        type=_attribute,
        metavar="NAME=VALUE",
        help="an attribute of the agent (repeatable; default region=devregion and pool=default)",
    )
    up.add_argument("--no-zookeeper", dest="zookeeper", action="store_false", help="do not start ZooKeeper")
    up.add_argument("--no-registry", dest="registry", action="store_false", help="do not start a docker registry")
    up.add_argument(
        "--no-sensu", dest="sensu", action="store_false", help="do not record Sensu events (sensu_host: null)"
    )
    up.add_argument(
        "--soa-dir",
        type=Path,
        default=None,
        help="run SmartStack (a synapse driving HAProxy, and hacheck) and paasta-api for the services of this "
        "soa-configs dir",
    )
    up.add_argument("--foreground", action="store_true", help="run in this process until interrupted")
    up.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)
    for name, text in (("down", "stop the devcluster and every task it runs"), ("status", "show what runs")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help="as --data-dir before the action")


def _cluster_name(text: str) -> str:
    # soa-configs file names carry the cluster: marathon-<cluster>.yaml, lowercase letters, digits, - and _.
    if not re.fullmatch(r"[0-9a-z_-]+", text):
        raise argparse.ArgumentTypeError(f"{text!r}: a cluster name has only lowercase letters, digits, - and _")
    return text


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _attribute(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"--attribute {text!r}: expected NAME=VALUE, e.g. region=devregion")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paasta-devcluster",
        description="A single-machine cluster serving the Marathon, Chronos and Mesos master APIs.",
    )
    add_arguments(parser)
    return parser


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir or default_data_dir()).expanduser().resolve()


def _options(args: argparse.Namespace) -> Any:
    from paasta_tools.devcluster.runner import UpOptions

    return UpOptions(
        data_dir=_data_dir(args),
        cluster=args.cluster_name,
        marathon_port=args.marathon_port,
        chronos_port=args.chronos_port,
        mesos_port=args.mesos_port,
        zookeeper_port=args.zookeeper_port,
        registry_port=args.registry_port,
        executor=args.executor,
        sensu_port=args.sensu_port,
        zookeeper=args.zookeeper,
        registry=args.registry,
        sensu=args.sensu,
        soa_dir=str(Path(args.soa_dir).expanduser().resolve()) if args.soa_dir else None,
        synapse_port=args.synapse_port,
        hacheck_port=args.hacheck_port,
        api_port=args.api_port,
        **({"attributes": tuple(args.attributes)} if args.attributes else {}),
    )


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _summary(options: Any, pid: int, messages: Sequence[str], executor: str | None = None) -> None:
    _say(f"devcluster {options.cluster} is up (pid {pid}), data in {options.data_dir}")
    for label, value in _endpoint_lines(options, executor):
        _say(f"  {label:<10} {value}")
    for message in messages:
        _say(f"  note: {message}")
    print(f"export PAASTA_SYSTEM_CONFIG_DIR={options.data_dir / 'etc_paasta'}", flush=True)


def _endpoint_lines(options: Any, executor: str | None = None) -> list[tuple[str, str]]:
    lines = [
        ("Marathon:", f"http://127.0.0.1:{options.marathon_port}"),
        ("Chronos:", f"http://127.0.0.1:{options.chronos_port}"),
        ("Mesos:", f"http://127.0.0.1:{options.mesos_port}"),
    ]
    if options.zookeeper:
        lines.append(("ZooKeeper:", f"zk://127.0.0.1:{options.zookeeper_port}/mesos-{options.cluster}"))
    if options.registry:
        lines.append(("Registry:", f"127.0.0.1:{options.registry_port}"))
    if options.sensu:
        events = options.data_dir / "sensu-events.jsonl"
        lines.append(("Sensu:", f"127.0.0.1:{options.sensu_port} (events in {events})"))
    if options.soa_dir:
        smartstack = f"127.0.0.1:{options.synapse_port} (hacheck 127.0.0.1:{options.hacheck_port})"
        lines.append(("Synapse:", smartstack))
        lines.append(("API:", f"http://127.0.0.1:{options.api_port} (paasta-api)"))
    lines.append(("Executor:", executor or options.executor))
    return lines


def _foreground(options: Any, ready_fd: int | None) -> int:
    from paasta_tools.devcluster.runner import serve
    from paasta_tools.errors import DevclusterError

    def ready(info: dict[str, Any]) -> None:
        if ready_fd is not None:
            os.write(ready_fd, (json.dumps({"ok": True, **info}) + "\n").encode())
            os.close(ready_fd)
        else:
            _summary(options, os.getpid(), info["messages"], info["executor"])

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        serve(options, ready)
    except DevclusterError as exc:
        if ready_fd is not None:
            os.write(ready_fd, (json.dumps({"ok": False, "error": str(exc)}) + "\n").encode())
        raise
    return EXIT_OK


def _child_argv(options: Any, ready_fd: int) -> list[str]:
    argv = [sys.executable, "-m", "paasta_tools.devcluster", "--data-dir", str(options.data_dir), "up"]
    argv += ["--foreground", "--ready-fd", str(ready_fd), "--cluster-name", options.cluster]
    for name in DEFAULTS:
        argv += [f"--{name}-port", str(getattr(options, f"{name}_port"))]
    argv += ["--executor", options.executor]
    argv += [] if options.zookeeper else ["--no-zookeeper"]
    argv += [] if options.registry else ["--no-registry"]
    argv += [] if options.sensu else ["--no-sensu"]
    argv += ["--soa-dir", options.soa_dir] if options.soa_dir else []
    for name, value in options.attributes:
        argv += ["--attribute", f"{name}={value}"]
    return argv


def _read_ready(read_fd: int, process: subprocess.Popen) -> dict[str, Any] | None:
    deadline = time.monotonic() + READY_TIMEOUT
    buffer = b""
    while time.monotonic() < deadline and b"\n" not in buffer:
        readable, _, _ = select.select([read_fd], [], [], 0.1)
        if readable:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            buffer += chunk
        elif process.poll() is not None:
            break
    try:
        return json.loads(buffer.decode().splitlines()[0])
    except (IndexError, ValueError):
        return None


def _background(options: Any) -> int:
    from paasta_tools.devcluster.runner import LOG_FILE, check_api_ports
    from paasta_tools.errors import DevclusterError

    check_api_ports(options)
    options.data_dir.mkdir(parents=True, exist_ok=True)
    read_fd, write_fd = os.pipe()
    with (options.data_dir / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(
            _child_argv(options, write_fd),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            pass_fds=(write_fd,),
        )
    os.close(write_fd)
    try:
        answer = _read_ready(read_fd, process)
    finally:
        os.close(read_fd)
    if answer is None or not answer.get("ok"):
        if process.poll() is None:
            process.terminate()
        detail = (answer or {}).get("error") or f"it did not start; see {options.data_dir / LOG_FILE}"
        raise DevclusterError(f"devcluster failed to start: {detail}")
    _summary(options, process.pid, answer.get("messages", []), answer.get("executor"))
    return EXIT_OK


def up(args: argparse.Namespace) -> int:
    """Start the devcluster unless it already runs."""
    from paasta_tools.devcluster.json_files import read_json
    from paasta_tools.devcluster.runner import (
        PID_FILE,
        SETTINGS_FILE,
        UpOptions,
        ensure_data_dir,
        record_alive,
    )

    options = _options(args)
    ensure_data_dir(options.data_dir)
    record = read_json(options.data_dir / PID_FILE)
    if record_alive(record):
        saved = read_json(options.data_dir / SETTINGS_FILE)
        _say(f"devcluster already running (pid {record['pid']})")
        _summary(UpOptions.from_json(saved) if saved else options, record["pid"], [])
        return EXIT_OK
    _stop_leftover_components(options.data_dir)
    if args.foreground:
        return _foreground(options, args.ready_fd)
    return _background(options)


def _stop_leftover_components(data_dir: Path) -> None:
    """Stop the side components (ZooKeeper, registry, paasta-api, HAProxy) a crashed devcluster of this
    data dir left running: they would hold the ports the new one needs and outlive its ``down``."""
    from paasta_tools.devcluster.json_files import read_json
    from paasta_tools.devcluster.runner import COMPONENTS_FILE

    stopped = [
        name for name, record in (read_json(data_dir / COMPONENTS_FILE) or {}).items() if _kill_record(record, True)
    ]
    if stopped:
        _say(f"stopped what an earlier devcluster left running: {', '.join(sorted(stopped))}")


def _wait_gone(is_alive: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_alive():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _kill_record(record: Any, group: bool) -> bool:
    """TERM (then KILL) a recorded process (or its group); True if it was alive."""
    from paasta_tools.devcluster.runner import record_alive

    if not record_alive(record):
        return False
    kill = os.killpg if group else os.kill
    try:
        kill(record["pid"], signal.SIGTERM)
        if not _wait_gone(lambda: record_alive(record), STOP_TIMEOUT):
            kill(record["pid"], signal.SIGKILL)
            _wait_gone(lambda: record_alive(record), 5)
    except ProcessLookupError:
        pass
    return True


def _leftover_tasks(data_dir: Path) -> int:
    """Stop task processes and containers a crashed devcluster left behind; returns how many."""
    from paasta_tools.devcluster.json_files import read_json

    stopped = 0
    for record_path in (data_dir / "sandboxes").glob("*/task.json"):
        stopped += _kill_record(read_json(record_path), group=True)
        record_path.unlink(missing_ok=True)
    from paasta_tools.devcluster.executors.docker import (
        ENGINE_ERRORS,
        devcluster_id,
        engine_answers,
        remove_devcluster_containers,
    )

    if engine_answers():
        try:
            stopped += remove_devcluster_containers(devcluster_id(data_dir))
        except ENGINE_ERRORS as exc:
            _say(f"could not remove the devcluster's containers: {exc}")
    return stopped


def down(args: argparse.Namespace) -> int:
    """Stop the devcluster, its side components and every task."""
    from paasta_tools.devcluster.json_files import read_json
    from paasta_tools.devcluster.runner import COMPONENTS_FILE, PID_FILE

    data_dir = _data_dir(args)
    was_running = _kill_record(read_json(data_dir / PID_FILE), group=False)
    for record in (read_json(data_dir / COMPONENTS_FILE) or {}).values():
        _kill_record(record, group=True)
    leftovers = _leftover_tasks(data_dir)
    with contextlib.suppress(OSError):
        (data_dir / PID_FILE).unlink(missing_ok=True)
    if was_running:
        _say(f"devcluster stopped (data kept in {data_dir})")
    else:
        _say(f"devcluster was not running (data dir {data_dir})")
    if leftovers:
        _say(f"stopped {leftovers} leftover task(s)")
    return EXIT_OK


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 400
    except (urllib.error.URLError, OSError):
        return False


def status(args: argparse.Namespace) -> int:
    """Report whether the devcluster runs, and each endpoint's health."""
    from paasta_tools.devcluster import components
    from paasta_tools.devcluster.json_files import read_json
    from paasta_tools.devcluster.runner import (
        COMPONENTS_FILE,
        PID_FILE,
        SETTINGS_FILE,
        UpOptions,
        record_alive,
    )

    data_dir = _data_dir(args)
    record, saved = read_json(data_dir / PID_FILE), read_json(data_dir / SETTINGS_FILE)
    if not record_alive(record) or not saved:
        _say(f"devcluster is not running (data dir {data_dir})")
        return EXIT_FAILURE
    options = UpOptions.from_json(saved)
    running = read_json(data_dir / COMPONENTS_FILE) or {}
    checks = {
        "Marathon:": _answers(f"http://127.0.0.1:{options.marathon_port}/ping"),
        "Chronos:": _answers(f"http://127.0.0.1:{options.chronos_port}/scheduler/jobs"),
        "Mesos:": _answers(f"http://127.0.0.1:{options.mesos_port}/health"),
        "ZooKeeper:": components.zookeeper_ready(options.zookeeper_port),
        "Registry:": components.registry_ready(options.registry_port),
        "Sensu:": _listens(options.sensu_port),
        "Synapse:": _answers(f"http://127.0.0.1:{options.synapse_port}/;csv;norefresh"),
        "API:": _answers(f"http://127.0.0.1:{options.api_port}/v1/version"),
    }
    started = {"ZooKeeper:": running.get("zookeeper"), "Registry:": running.get("registry")}
    started["API:"] = running.get("paasta-api")
    print(f"devcluster {options.cluster} is running (pid {record['pid']}), data in {data_dir}")
    for label, value in _endpoint_lines(options, record.get("executor")):
        print(f"  {label:<10} {value}{_health(label, checks, started)}")
    tasks = _running_tasks(f"http://127.0.0.1:{options.mesos_port}/master/state")
    if tasks is not None:
        counts = ", ".join(f"{count} {name}" for name, count in sorted(tasks.items()))
        print(f"  {'Tasks:':<10} {sum(tasks.values())} running" + (f" ({counts})" if counts else ""))
    print(f"export PAASTA_SYSTEM_CONFIG_DIR={data_dir / 'etc_paasta'}")
    return EXIT_OK


def _health(label: str, checks: dict[str, bool], started: dict[str, Any]) -> str:
    """The line's suffix: up, starting (its process runs but does not answer yet), not running, or none."""
    from paasta_tools.devcluster.runner import record_alive

    if label not in checks:
        return ""
    if checks[label]:
        return "  up"
    if label in started and record_alive(started[label]):
        return "  starting"
    return "  not running"


def _listens(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _running_tasks(state_url: str) -> dict[str, int] | None:
    """Running tasks per framework from the master's state (None when it does not answer)."""
    try:
        with urllib.request.urlopen(state_url, timeout=2) as response:
            state = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    counts = {}
    for framework in state.get("frameworks", []):
        running = [task for task in framework.get("tasks", []) if task.get("state") == "TASK_RUNNING"]
        if running:
            counts[framework.get("name", "?")] = len(running)
    return counts


def run(args: argparse.Namespace) -> int:
    """Dispatch a parsed ``up``/``down``/``status``."""
    return {"up": up, "down": down, "status": status}[args.action](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``paasta-devcluster``."""
    from paasta_tools.errors import PaastaError

    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except PaastaError as exc:
        _say(str(exc))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE
