#!/usr/bin/env python3
"""Launcher for the ``paasta_metastatus.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.paasta_metastatus import main

if __name__ == "__main__":
    sys.exit(main())
