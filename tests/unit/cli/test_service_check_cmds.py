"""``paasta security-check`` and ``paasta performance-check``: what they run or post, and their messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paasta_tools.cli.cli import main
from paasta_tools.cli.cmds.performance_check import performance_check_request
from paasta_tools.cli.cmds.security_check import security_check_argv
from paasta_tools.errors import ConfigError


def test_security_check_argv_appends_service_and_commit() -> None:
    argv = security_check_argv("/usr/bin/scan --deep 'a b'", "web", "abc")
    assert argv == ["/usr/bin/scan", "--deep", "a b", "web", "abc"]
    assert security_check_argv(["scan", "$(rm -rf /)"], "web", "abc") == ["scan", "$(rm -rf /)", "web", "abc"]


@pytest.mark.parametrize(("command", "message"), [("", "is empty"), ({"cmd": "x"}, "must be a string or a list")])
def test_bad_security_check_commands(command: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        security_check_argv(command, "web", "abc")


def _system(tmp_path: Path, monkeypatch, config: dict) -> Path:
    directory = tmp_path / "etc_paasta"
    directory.mkdir()
    (directory / "cluster.json").write_text(json.dumps(config))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(directory))
    return directory


def test_no_security_check_command_configured(tmp_path: Path, monkeypatch, capsys) -> None:
    directory = _system(tmp_path, monkeypatch, {"cluster": "prod"})
    assert main(["security-check", "-s", "web", "-c", "abc"]) == 0
    assert capsys.readouterr().out == (
        f"Nothing to be executed during the security-check step (no security_check_command in {directory})\n"
    )


def test_a_bad_security_check_command_is_reported(tmp_path: Path, monkeypatch, capsys) -> None:
    _system(tmp_path, monkeypatch, {"security_check_command": "scan 'unclosed"})
    assert main(["security-check", "-s", "web", "-c", "abc"]) == 0
    assert capsys.readouterr().out == "The security-check could not run: No closing quotation\n"


def test_security_check_requires_the_commit(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["security-check", "-s", "web"])
    assert "the following arguments are required: -c/--commit" in capsys.readouterr().err


def test_performance_check_request_splits_endpoint_and_params() -> None:
    config = {"endpoint": "http://perf.example/submit", "team": "perf", "duration": 30}
    endpoint, params = performance_check_request(config, "p.yaml")
    assert (endpoint, params) == ("http://perf.example/submit", {"team": "perf", "duration": 30})
    assert config["endpoint"] == "http://perf.example/submit"  # the caller's dict is untouched


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"team": "perf"}, "p.yaml: key 'endpoint' must be the URL to submit the check to, got None"),
        ({"endpoint": 5}, "p.yaml: key 'endpoint' must be the URL to submit the check to, got 5"),
        ({"endpoint": "file:///etc/passwd"}, "p.yaml: key 'endpoint' must be an http:// or https:// URL, got 'file:///etc/passwd'"),
        ({"endpoint": "perf.example/submit"}, "must be an http:// or https:// URL"),
    ],
)  # fmt: skip
def test_bad_performance_check_endpoints(config: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        performance_check_request(config, "p.yaml")
    assert message in str(raised.value)


def test_performance_check_reports_a_bad_yaml_and_exits_0(tmp_path: Path, capsys) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "performance-check.yaml").write_text("endpoint: [unclosed\n")
    assert main(["performance-check", "-s", "web", "-d", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Something went wrong with the performance check. Safely bailing. No need to panic.\n")
    assert f"{tmp_path}/web/performance-check.yaml: invalid YAML at line 2" in out
