#!/usr/bin/env python3
"""Launcher for the ``cleanup_marathon_jobs.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.cleanup_marathon_jobs import main

if __name__ == "__main__":
    sys.exit(main())
