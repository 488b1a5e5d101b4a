#!/usr/bin/env python3
"""Launcher for the ``generate_deployments_for_service.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.generate_deployments_for_service import main

if __name__ == "__main__":
    sys.exit(main())
