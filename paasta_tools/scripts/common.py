"""What the standalone scripts share: exit codes, their ``-d``/``-v`` flags, logging and the error guard of ``main``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from paasta_tools.paths import DEFAULT_SOA_DIR

EXIT_OK = 0
EXIT_FAILURE = 1


def add_soa_dir_argument(parser: argparse.ArgumentParser) -> None:
    """``-d/--soa-dir SOA_DIR`` into ``soa_dir`` (default the system's soa-configs directory)."""
    parser.add_argument(
        "-d",
        "--soa-dir",
        dest="soa_dir",
        metavar="SOA_DIR",
        default=DEFAULT_SOA_DIR,
        help="define a different soa config directory",
    )


def positive_int(value: str) -> int:
    """argparse type for counts such as -j/--jobs: an integer of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return number


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` as a boolean ``verbose``."""
    parser.add_argument("-v", "--verbose", action="store_true", dest="verbose", default=False)


def configure_logging(verbose: bool) -> None:
    """DEBUG with ``-v``, else WARNING; the client libraries' INFO chatter only with ``-v``."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    # marathon-python and kazoo are chatty at INFO; their details only help with -v
    for noisy in ("marathon", "kazoo", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


def exit_code_of(run: Callable[[], int], prefix: str = "") -> int:
    """``run()``'s exit code; a PaastaError is written to stderr after ``prefix`` and gives EXIT_FAILURE."""
    from paasta_tools.errors import PaastaError

    try:
        return run()
    except PaastaError as exc:
        sys.stderr.write(f"{prefix}{exc}\n")
        return EXIT_FAILURE
