"""Sphinx configuration for the paasta docs."""

project = "paasta"
author = "paasta developers"
extensions: list[str] = []
master_doc = "index"
exclude_patterns = ["build"]
html_theme = "alabaster"
