#!/usr/bin/env python3
"""Launcher for the ``am_i_mesos_leader.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.am_i_mesos_leader import main

if __name__ == "__main__":
    sys.exit(main())
