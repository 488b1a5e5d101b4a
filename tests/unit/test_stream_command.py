"""stream_command: output line by line, exit codes, time-outs and programs that cannot start."""

from __future__ import annotations

import sys

from paasta_tools.clients.commands import NOT_STARTED, TIMED_OUT, stream_command


def test_lines_and_exit_code(tmp_path) -> None:
    lines: list[str] = []
    code = stream_command(
        [sys.executable, "-c", "import os,sys; print('out'); print(os.getcwd(), file=sys.stderr); sys.exit(3)"],
        lines.append,
        cwd=tmp_path,
    )
    assert code == 3
    assert lines == ["out", str(tmp_path)]


def test_time_out_kills_and_says_so() -> None:
    lines: list[str] = []
    assert stream_command(["sleep", "5"], lines.append, timeout=0.2) == TIMED_OUT
    assert lines == ["Command 'sleep 5' timed out (longer than 0.2s)"]
    lines.clear()
    assert stream_command(["sleep", "5"], lines.append, timeout=0.2, label="make slow") == TIMED_OUT
    assert lines == ["Command 'make slow' timed out (longer than 0.2s)"]


def test_a_program_that_cannot_start(tmp_path) -> None:
    lines: list[str] = []
    assert stream_command([str(tmp_path / "missing"), "x"], lines.append) == NOT_STARTED
    assert lines == [f"Could not run {tmp_path / 'missing'}: No such file or directory"]
