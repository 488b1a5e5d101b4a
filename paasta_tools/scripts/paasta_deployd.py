"""paasta-deployd: the daemon that bounces Marathon instances as soon as their configs change.

Usage: ``paasta-deployd [-d SOA_DIR] [-v]``

Only one daemon per cluster acts (ZooKeeper election at ``/paasta-deployd-leader``); the others wait.
SIGTERM or SIGINT stops it cleanly: workers finish the instance they are on, leadership is released.
Exit 1 when the system config is missing or broken, or when the ZooKeeper session is lost.
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import threading
from collections.abc import Sequence

from paasta_tools.scripts.common import EXIT_FAILURE, EXIT_OK, add_soa_dir_argument, add_verbose_argument

LOG_FORMAT = "%(asctime)s:%(hostname)s:%(levelname)s:%(name)s:%(message)s"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Bounces Marathon service instances when their configs change.")
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    return parser.parse_args(argv)


class _AddHostname(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.hostname = socket.gethostname()

    def filter(self, record: logging.LogRecord) -> bool:
        record.hostname = self.hostname
        return True


def setup_logging(level_name: str, verbose: bool) -> None:
    """Upstream's log line format on stderr at ``deployd_log_level`` (DEBUG with -v)."""
    level = logging.DEBUG if verbose else getattr(logging, level_name.upper(), logging.INFO)
    handler = logging.StreamHandler()
    handler.addFilter(_AddHostname())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    for noisy in ("kazoo", "urllib3", "marathon"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)


def _run_until_signalled(daemon: object, stop: threading.Event) -> int:
    from paasta_tools.deployd.leader import Outcome
    from paasta_tools.errors import PaastaError

    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["outcome"] = daemon.run(stop)  # type: ignore[attr-defined]
        except PaastaError as exc:
            result["error"] = exc
        except Exception as exc:  # a bug: logged with its traceback, and the exit status says so
            logging.getLogger(__name__).exception("paasta-deployd crashed")
            result["error"] = f"unexpected error: {type(exc).__name__}: {exc}"

    def on_signal(signum: int, frame: object) -> None:
        logging.getLogger(__name__).info("Got signal %d, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=target, name="deployd")
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
    if "error" in result:
        print(f"paasta-deployd: {result['error']}", file=sys.stderr)
        return EXIT_FAILURE
    if result.get("outcome") is Outcome.STOPPED:
        return EXIT_OK
    print("paasta-deployd: ZooKeeper session lost (while leading or waiting to lead), exiting", file=sys.stderr)
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from paasta_tools.deployd.master import DeployDaemon
    from paasta_tools.deployd.settings import settings_from_system_config
    from paasta_tools.errors import PaastaError
    from paasta_tools.system_config import load_system_paasta_config

    try:
        config = load_system_paasta_config()
        setup_logging(config.get_deployd_log_level(), args.verbose)
        daemon = DeployDaemon(config, settings_from_system_config(config, args.soa_dir))
    except PaastaError as exc:
        print(f"paasta-deployd: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    logging.getLogger(__name__).info("paasta-deployd starting up...")
    return _run_until_signalled(daemon, threading.Event())


if __name__ == "__main__":
    sys.exit(main())
