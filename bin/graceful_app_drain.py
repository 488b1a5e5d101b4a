#!/usr/bin/env python3
"""Launcher for the ``graceful_app_drain.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.graceful_app_drain import main

if __name__ == "__main__":
    sys.exit(main())
