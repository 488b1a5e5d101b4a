"""paasta_tools.scripts.common: the scripts' shared flags and the error guard of their main()."""

from __future__ import annotations

import argparse

import pytest

from paasta_tools.errors import ChronosError
from paasta_tools.paths import DEFAULT_SOA_DIR
from paasta_tools.scripts.common import (
    EXIT_FAILURE,
    add_soa_dir_argument,
    add_verbose_argument,
    exit_code_of,
)


def test_soa_dir_and_verbose_flags() -> None:
    parser = argparse.ArgumentParser()
    add_soa_dir_argument(parser)
    add_verbose_argument(parser)
    assert vars(parser.parse_args([])) == {"soa_dir": DEFAULT_SOA_DIR, "verbose": False}
    assert vars(parser.parse_args(["-d", "/soa", "-v"])) == {"soa_dir": "/soa", "verbose": True}
    assert "define a different soa config directory" in parser.format_help()


def test_exit_code_of_passes_the_code_through() -> None:
    assert exit_code_of(lambda: 3) == 3


def test_a_paasta_error_is_one_stderr_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> int:
        raise ChronosError("Chronos is not configured")

    assert exit_code_of(broken, "check_chronos_jobs: ") == EXIT_FAILURE
    assert capsys.readouterr().err == "check_chronos_jobs: Chronos is not configured\n"


def test_other_exceptions_are_not_swallowed() -> None:
    def bug() -> int:
        raise KeyError("x")

    with pytest.raises(KeyError):
        exit_code_of(bug)
