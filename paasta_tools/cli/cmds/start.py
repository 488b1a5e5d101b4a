"""``paasta start``: see :mod:`paasta_tools.cli.cmds.start_stop_restart`."""

from __future__ import annotations

import argparse

from paasta_tools.cli.cmds.start_stop_restart import add_command_subparser, paasta_start

__all__ = ["add_subparser", "paasta_start"]


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    add_command_subparser(subparsers, "start")
