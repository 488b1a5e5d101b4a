#!/usr/bin/env python3
"""Launcher for the ``kill_orphaned_docker_containers.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.kill_orphaned_docker_containers import main

if __name__ == "__main__":
    sys.exit(main())
