#!/usr/bin/env python3
"""Launcher for the ``check_marathon_services_replication.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.check_marathon_services_replication import main

if __name__ == "__main__":
    sys.exit(main())
