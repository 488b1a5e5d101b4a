"""``paasta-api``'s command line."""

from __future__ import annotations

import pytest

from paasta_tools.api.api import build_parser


def test_the_port_is_a_tcp_port_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_parser().parse_args(["5054"]).port == 5054
    for bad in ("70000", "-1", "http"):
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args([bad])
        assert exited.value.code == 2
        assert f"argument port: must be a TCP port number (0-65535), got {bad!r}" in capsys.readouterr().err
