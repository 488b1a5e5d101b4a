#!/usr/bin/env python3
"""Launcher for the ``check_synapse_replication.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.check_synapse_replication import main

if __name__ == "__main__":
    sys.exit(main())
