#!/usr/bin/env python3
"""Launcher for the ``generate_services_file.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.generate_services_file import main

if __name__ == "__main__":
    sys.exit(main())
