"""Default locations of the soa-configs tree and the system config directory.

Both can be overridden by environment variables so tests and the devcluster point them
at temporary directories without touching ``/nail`` or ``/etc``.
"""

from __future__ import annotations

import os

DEFAULT_SOA_DIR: str = os.environ.get("PAASTA_SOA_DIR", "/nail/etc/services")
DEFAULT_SYSTEM_CONFIG_DIR = "/etc/paasta"


def system_config_dir() -> str:
    """The system config directory: ``$PAASTA_SYSTEM_CONFIG_DIR`` or ``/etc/paasta``."""
    return os.environ.get("PAASTA_SYSTEM_CONFIG_DIR") or DEFAULT_SYSTEM_CONFIG_DIR
