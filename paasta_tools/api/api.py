"""``paasta-api [-D] [-d SOA_DIR] [--host HOST] [--cache-ttl SECONDS] PORT``: the PaaSTA HTTP API of one cluster.

Reads the system config (``$PAASTA_SYSTEM_CONFIG_DIR`` or /etc/paasta) for its cluster and the
cluster's Marathon, Chronos, Mesos and ZooKeeper, then serves the routes of ``paasta_tools.api.app``
on 127.0.0.1 (``--host`` to change it) until SIGTERM or SIGINT.  ``serve_in_thread`` runs the same
server from a thread of the calling process.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.api.instance import DEFAULT_CACHE_TTL_S, ApiSettings
from paasta_tools.paths import DEFAULT_SOA_DIR

EXIT_OK = 0
EXIT_FAILURE = 1
DEFAULT_HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
MAX_PORT = 65535

log = logging.getLogger("paasta_tools.api")


def port_number(text: str) -> int:
    """A TCP port (0-65535) given on the command line."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be a TCP port number (0-{MAX_PORT}), got {text!r}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paasta-api", description="Runs a PaaSTA API server")
    parser.add_argument("-D", "--debug", dest="debug", action="store_true", default=False, help="output the debug logs")
    parser.add_argument("port", type=port_number, help="port number for the api server")
    parser.add_argument(
        "-d", "--soa-dir", dest="soa_dir", default=DEFAULT_SOA_DIR, help="define a different soa config directory"
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--cache-ttl",
        type=float,
        default=DEFAULT_CACHE_TTL_S,
        metavar="SECONDS",
        help=f"seconds a service's scheduler reads are reused (default {DEFAULT_CACHE_TTL_S:g}; 0 disables)",
    )
    return parser


def load_settings(soa_dir: str, cache_ttl: float = DEFAULT_CACHE_TTL_S, system_config_dir: str | None = None) -> Any:
    """ApiSettings from the system config (its ``cluster`` is required)."""
    from paasta_tools.system_config import load_system_paasta_config

    system = load_system_paasta_config(system_config_dir)
    return ApiSettings(cluster=system.get_cluster(), soa_dir=soa_dir, system=system, cache_ttl=cache_ttl)


async def start_site(settings: ApiSettings, host: str, port: int) -> Any:
    """Listen on ``host:port``; returns the runner to clean up."""
    from aiohttp import web

    from paasta_tools.api.app import make_app

    runner = web.AppRunner(make_app(settings), handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_address=True).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


async def _serve_until_signalled(settings: ApiSettings, host: str, port: int) -> None:
    runner = await start_site(settings, host, port)
    log.info("paasta-api of cluster %s serving %s on http://%s:%d", settings.cluster, settings.soa_dir, host, port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    await runner.cleanup()


@dataclass
class RunningApi:
    """A paasta-api served from a background thread of this process."""

    url: str
    stop: Callable[[], None]


def serve_in_thread(settings: ApiSettings, port: int, host: str = DEFAULT_HOST) -> RunningApi:
    """Serve from a daemon thread; returns once the port accepts connections (OSError if it cannot bind)."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            outcome.append(loop.run_until_complete(start_site(settings, host, port)))
        except BaseException as exc:  # handed to the caller below
            outcome.append(exc)
            started.set()
            loop.close()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(outcome[0].cleanup())
        loop.close()

    thread = threading.Thread(target=run, name="paasta-api", daemon=True)
    thread.start()
    if not started.wait(START_TIMEOUT_S):
        raise TimeoutError(f"paasta-api did not start listening on {host}:{port} within {START_TIMEOUT_S:g} s")
    if outcome and isinstance(outcome[0], BaseException):
        raise outcome[0]

    def stop() -> None:
        if thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(START_TIMEOUT_S)

    return RunningApi(f"http://{host}:{port}", stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``paasta-api``."""
    from paasta_tools.errors import PaastaError

    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings(args.soa_dir, args.cache_ttl)
    except PaastaError as exc:
        sys.stderr.write(f"paasta-api: {exc}\n")
        return EXIT_FAILURE
    try:
        asyncio.run(_serve_until_signalled(settings, args.host, args.port))
    except OSError as exc:
        sys.stderr.write(f"paasta-api: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
