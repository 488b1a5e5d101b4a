"""The one-way import rule between the three layers (see docs/source/architecture.rst).

Pure modules (config model, app-dict builder, bounce planning, schedule math)
never import adapters, entry points or I/O libraries; adapters never import
entry points.  Parsed from the source, so a violation fails here, not at run time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "paasta_tools"

PURE = ("config", "marathon", "chronos", "status", "logs", "fsm", "monitoring", "deploy_tags.py", "errors.py")
PURE += ("autoscaling", "mesos_task_states.py")
# paasta-deployd's decisions are pure; its watcher, leader and daemon modules do the I/O.
PURE += ("deployd/queue.py", "deployd/changes.py", "deployd/settings.py")
ADAPTERS = ("clients",)
ENTRY_POINTS = ("cli", "scripts", "api", "demo.py")
IO_LIBRARIES = {"requests", "docker", "kazoo", "marathon", "chronos", "aiohttp", "subprocess", "socket", "pysensu_yelp"}


def _modules_under(names: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for name in names:
        path = PACKAGE / name
        if path.is_dir():
            found.extend(sorted(path.rglob("*.py")))
        elif path.exists():
            found.append(path)
    return found


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _violations(path: Path, forbidden_prefixes: set[str]) -> list[str]:
    bad = []
    for name in _imports(path):
        for prefix in forbidden_prefixes:
            if name == prefix or name.startswith(prefix + "."):
                bad.append(name)
    return sorted(bad)


@pytest.mark.parametrize("path", _modules_under(PURE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_modules_do_no_io(path: Path) -> None:
    forbidden = {f"paasta_tools.{n.removesuffix('.py')}" for n in ADAPTERS + ENTRY_POINTS} | IO_LIBRARIES
    forbidden |= {"paasta_tools.devcluster"}
    assert _violations(path, forbidden) == []


@pytest.mark.parametrize("path", _modules_under(ADAPTERS), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_adapters_do_not_import_entry_points(path: Path) -> None:
    forbidden = {f"paasta_tools.{n.removesuffix('.py')}" for n in ENTRY_POINTS}
    assert _violations(path, forbidden) == []


def test_the_layers_exist() -> None:
    assert _modules_under(PURE)
    assert (PACKAGE / "clients").is_dir()
    assert (PACKAGE / "cli").is_dir()


def _outside_cli() -> list[Path]:
    cli = PACKAGE / "cli"
    return [path for path in sorted(PACKAGE.rglob("*.py")) if cli not in path.parents]


@pytest.mark.parametrize("path", _outside_cli(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_outside_cli_imports_cli(path: Path) -> None:
    assert _violations(path, {"paasta_tools.cli"}) == []
