"""bin/ holds one thin launcher per console script of setup.py, calling the same function."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _scripts() -> dict[str, str]:
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "SCRIPTS":
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py has no SCRIPTS dict")


def _launcher_target(path: Path) -> str:
    tree = ast.parse(path.read_text())
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert len(imports) == 1, f"{path} should import exactly one entry function"
    return f"{imports[0].module}:{imports[0].names[0].name}"


@pytest.mark.parametrize("path", sorted((ROOT / "bin").iterdir()), ids=lambda p: p.name)
def test_every_launcher_calls_its_console_entry(path):
    scripts = _scripts()
    assert path.name in scripts, f"bin/{path.name} has no console script of that name in setup.py"
    assert _launcher_target(path) == scripts[path.name]
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/usr/bin/env python3\n")


def test_the_generate_deployments_launcher_exists():
    assert (ROOT / "bin" / "generate_deployments_for_service").exists()
    assert (ROOT / "bin" / "generate_deployments_for_service.py").exists()
