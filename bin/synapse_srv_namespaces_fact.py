#!/usr/bin/env python3
"""Launcher for the ``synapse_srv_namespaces_fact.py`` console script (see SCRIPTS in setup.py)."""

import sys

from paasta_tools.scripts.synapse_srv_namespaces_fact import main

if __name__ == "__main__":
    sys.exit(main())
