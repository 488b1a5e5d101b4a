"""The local_run planning package is pure like config/: no adapters, entry points or I/O libraries."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_layers import ADAPTERS, ENTRY_POINTS, IO_LIBRARIES, PACKAGE, _violations

MODULES = sorted((PACKAGE / "local_run").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_local_run_planning_does_no_io(path: Path) -> None:
    forbidden = {f"paasta_tools.{n.removesuffix('.py')}" for n in ADAPTERS + ENTRY_POINTS} | IO_LIBRARIES
    forbidden |= {"paasta_tools.devcluster", "os", "time", "random"}
    assert _violations(path, forbidden) == []
