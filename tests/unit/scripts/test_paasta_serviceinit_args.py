"""paasta_serviceinit's arguments: SERVICE.INSTANCE or -s/-i, options anywhere, upstream's flags."""

from __future__ import annotations

import pytest

from paasta_tools.scripts.paasta_serviceinit import parse_args, service_and_instances


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["svc.main", "status"], ("svc", ["main"])),
        (["svc.main", "-d", "/soa", "restart"], ("svc", ["main"])),
        (["svc.main.gitabc.config123", "stop"], ("svc", ["main"])),
        (["-s", "svc", "-i", "main, canary", "status"], ("svc", ["main", "canary"])),
        (["status", "-s", "svc", "-i", "main"], ("svc", ["main"])),
        (["-s", "svc", "status"], None),
        (["-i", "main", "status"], None),
        (["svc", "status"], None),
        (["svc.main.extra", "status"], None),
    ],
)
def test_service_and_instances(argv, expected):
    assert service_and_instances(parse_args(argv)) == expected


def test_flags():
    args = parse_args(["-vv", "-D", "-a", "svc.main.gitX.configY", "-d", "/soa", "svc.main", "start"])
    assert (args.verbose, args.debug, args.app_id, args.soa_dir, args.command) == (
        2,
        True,
        "svc.main.gitX.configY",
        "/soa",
        "start",
    )


def test_an_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["svc.main", "scale"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'scale'" in capsys.readouterr().err
