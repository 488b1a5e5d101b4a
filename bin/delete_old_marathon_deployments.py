#!/usr/bin/env python3
"""Launcher for the ``delete_old_marathon_deployments`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.delete_old_marathon_deployments import main

if __name__ == "__main__":
    sys.exit(main())
