"""``paasta emergency-start``: see :mod:`paasta_tools.cli.cmds.emergency`."""

from __future__ import annotations

import argparse

from paasta_tools.cli.cmds.emergency import add_emergency_subparser, paasta_emergency_start

__all__ = ["add_subparser", "paasta_emergency_start"]


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    add_emergency_subparser(subparsers, "start")
