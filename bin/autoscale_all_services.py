#!/usr/bin/env python3
"""Launcher for the ``autoscale_all_services.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.autoscale_all_services import main

if __name__ == "__main__":
    sys.exit(main())
