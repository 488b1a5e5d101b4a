"""Flags many ``paasta`` subcommands share, and the normalising of their values."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from paasta_tools.paths import DEFAULT_SOA_DIR

SOA_DIR_HELP = f"A directory from which soa-configs should be read (default {DEFAULT_SOA_DIR})"
SHORT_SOA_DIR_HELP = "define a different soa config directory"


def add_soa_dir_argument(
    parser: argparse.ArgumentParser, flags: Sequence[str] = ("-d",), help: str = SOA_DIR_HELP
) -> argparse.Action:
    """``<flags> --soa-dir SOA_DIR`` into ``soa_dir`` (default the system's soa-configs directory)."""
    return parser.add_argument(
        *flags, "--soa-dir", dest="soa_dir", metavar="SOA_DIR", default=DEFAULT_SOA_DIR, help=help
    )


def split_comma_list(value: str | None) -> list[str]:
    """The non-empty, stripped items of a comma-separated flag value (``-c c1,c2``); [] when not given."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def strip_services_prefix(service: str) -> str:
    """``services-foo`` → ``foo`` (the docker repository name is accepted as the service name)."""
    return service.split("services-", 1)[1] if service.startswith("services-") else service
