from __future__ import annotations

import pytest

from paasta_tools.cli.cmds.local_run import prompt_pick_one
from paasta_tools.errors import LocalRunError


def test_single_choice_is_taken_without_asking() -> None:
    def never(prompt: str) -> str:
        raise AssertionError("asked")

    assert prompt_pick_one(["only"], "deploy group", read=never) == "only"


def test_numbers_are_asked_until_valid(capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(["x", "3", " 2 "])
    assert prompt_pick_one(["a", "b"], "deploy group", read=lambda prompt: next(answers)) == "b"
    out = capsys.readouterr().out
    assert "Choose a deploy group:\n  1) a\n  2) b\n" in out
    assert "'x' is not one of 1-2" in out and "'3' is not one of 1-2" in out


def test_end_of_input_is_a_clear_error() -> None:
    def eof(prompt: str) -> str:
        raise EOFError

    with pytest.raises(LocalRunError, match="No deploy group was chosen"):
        prompt_pick_one(["a", "b"], "deploy group", read=eof)
