"""paasta_execute_docker_command's arguments (upstream's flags and default timeout)."""

from __future__ import annotations

import pytest

from paasta_tools.scripts.paasta_execute_docker_command import main, parse_args


def test_flags_and_default_timeout():
    args = parse_args(["--mesos-id", "svc.main.abc", "--cmd", "ls /"])
    assert (args.mesos_id, args.cmd, args.timeout) == ("svc.main.abc", "ls /", 45)
    assert parse_args(["-i", "t", "-c", "true", "-t", "3"]).timeout == 3


@pytest.mark.parametrize("argv", [["-c", "true"], ["-i", "t"], ["-i", "t", "-c", "true", "-t", "soon"]])
def test_missing_or_bad_flags_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "usage: paasta_execute_docker_command" in capsys.readouterr().err


def test_an_empty_task_id_is_refused_before_docker_is_asked(capsys):
    assert main(["-i", "", "-c", "true"]) == 2
    assert capsys.readouterr().out.startswith("The Mesos task id you supplied seems to be an empty string!")
