"""paasta_tabcomplete.sh (bash): sourced in bash it registers argcomplete for ``paasta``, and completing a line
through it offers the subcommands and a subcommand's flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "paasta_tools" / "cli" / "paasta_tabcomplete.sh"
BIN = Path(sys.executable).parent


def complete(line: str) -> list[str]:
    """What argcomplete answers for ``line`` (its protocol: _ARGCOMPLETE and COMP_LINE in the environment,
    answers on fd 8, debug output on fd 9)."""
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "COMP_TYPE": "9",
    }
    command = f"{BIN / 'paasta'} 8>&1 9>/dev/null >/dev/null 2>&1"
    result = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=30, check=False)
    return result.stdout.split("\n")


def test_sourcing_the_script_registers_the_completion() -> None:
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["bash", "-c", f"source {SCRIPT} && complete -p paasta"], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(" paasta") and "-F " in result.stdout


def test_subcommands_and_flags_complete() -> None:
    assert {"status", "stop", "start"} <= set(complete("paasta st"))
    assert not {"rerun", "logs"} & set(complete("paasta st"))
    assert {"--service", "--clusters", "--registration"} <= set(complete("paasta status --"))
