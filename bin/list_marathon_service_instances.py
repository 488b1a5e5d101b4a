#!/usr/bin/env python3
"""Launcher for the ``list_marathon_service_instances.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.list_marathon_service_instances import main

if __name__ == "__main__":
    sys.exit(main())
