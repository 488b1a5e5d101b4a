#!/usr/bin/env python3
"""Launcher for the ``setup_marathon_job.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.setup_marathon_job import main

if __name__ == "__main__":
    sys.exit(main())
