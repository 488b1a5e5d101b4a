"""Sphinx configuration for the paasta docs."""

import importlib.util
from pathlib import Path

project = "paasta"
author = "paasta developers"
extensions: list[str] = []
master_doc = "index"
exclude_patterns = ["build"]
html_theme = "alabaster"


def _generate_commands_page() -> None:
    """Regenerate commands.rst from the argparse parsers so the page never lags the code."""
    script = Path(__file__).resolve().parent.parent / "generate_commands.py"
    spec = importlib.util.spec_from_file_location("generate_commands", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_page()


_generate_commands_page()
