#!/usr/bin/env python3
"""Launcher for the setup_marathon_job console script."""

import sys

from paasta_tools.scripts.setup_marathon_job import main

if __name__ == "__main__":
    sys.exit(main())
