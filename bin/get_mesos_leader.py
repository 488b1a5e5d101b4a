#!/usr/bin/env python3
"""Launcher for the ``get_mesos_leader.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.get_mesos_leader import main

if __name__ == "__main__":
    sys.exit(main())
