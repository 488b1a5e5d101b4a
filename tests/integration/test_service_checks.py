"""``paasta security-check`` running a configured command and ``paasta performance-check`` posting to a
local HTTP server."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import yaml

from paasta_tools.cli.cli import main
from paasta_tools.cli.cmds.security_check import FAILED_MESSAGE
from tests.integration.http_recorder import serve_recorder


def _system_config(tmp_path: Path, monkeypatch, **config) -> None:
    directory = tmp_path / "etc_paasta"
    directory.mkdir()
    (directory / "security.json").write_text(json.dumps(config))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(directory))


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "check-image"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_security_check_runs_the_configured_command(tmp_path: Path, monkeypatch, capsys) -> None:
    script = _script(tmp_path, 'echo "checking $2 of $3"; echo "$1" >&2; exit 0')
    _system_config(tmp_path, monkeypatch, security_check_command=f"{script} --strict")
    code = main(["security-check", "-s", "services-web", "-c", "abc123"])
    out = capsys.readouterr().out
    assert code == 0
    assert out == (
        f"Running the security-check of web at abc123: {script} --strict web abc123\n"
        "checking web of abc123\n--strict\nThe security-check passed.\n"
    )


def test_failing_security_check_still_exits_0(tmp_path: Path, monkeypatch, capsys) -> None:
    script = _script(tmp_path, "echo 'CVE-2017-0001 in openssl'; exit 4")
    _system_config(tmp_path, monkeypatch, security_check_command=[str(script)])
    assert main(["security-check", "-s", "web", "-c", "abc123"]) == 0
    assert capsys.readouterr().out.endswith(f"CVE-2017-0001 in openssl\n{FAILED_MESSAGE}\n")


def test_security_check_timeout_and_missing_program(tmp_path: Path, monkeypatch, capsys) -> None:
    from paasta_tools.cli.cli import build_parser
    from paasta_tools.cli.cmds.security_check import paasta_security_check

    script = _script(tmp_path, "exec sleep 30")
    _system_config(tmp_path, monkeypatch, security_check_command=str(script))
    args = build_parser(["security-check"]).parse_args(["security-check", "-s", "web", "-c", "abc"])
    assert paasta_security_check(args, timeout=0.3) == 0
    out = capsys.readouterr().out
    assert f"Command '{script} web abc' timed out (longer than 0.3s)\n{FAILED_MESSAGE}\n" in out

    (tmp_path / "etc_paasta" / "security.json").write_text(json.dumps({"security_check_command": "/nonexistent/chk"}))
    assert main(["security-check", "-s", "web", "-c", "abc"]) == 0
    assert "Could not run /nonexistent/chk: No such file or directory\n" in capsys.readouterr().out


def _service(tmp_path: Path, check: dict | None) -> Path:
    soa = tmp_path / "soa"
    (soa / "web").mkdir(parents=True)
    if check is not None:
        (soa / "web" / "performance-check.yaml").write_text(yaml.safe_dump(check))
    return soa


def test_performance_check_posts_the_params(tmp_path: Path, capsys) -> None:
    with serve_recorder() as server:
        server.on("POST", "/submit", body={"queued": True})
        soa = _service(tmp_path, {"endpoint": server.url + "/submit", "team": "perf", "duration": 30})
        assert main(["performance-check", "-s", "services-web", "-k", "abc", "-d", str(soa)]) == 0
        (request,) = server.requests
    assert (request.method, request.query) == ("POST", {"team": ["perf"], "duration": ["30"]})
    assert capsys.readouterr().out == (
        "Posted a submission to the PaaSTA performance-check service.\n"
        f"Endpoint: {server.url}/submit\n"
        "Parameters: {'duration': 30, 'team': 'perf'}\n"  # the file's key order
        'Result: HTTP 200: {"queued": true}\n'
    )


def test_performance_check_reports_errors_and_exits_0(tmp_path: Path, capsys) -> None:
    bail = "Something went wrong with the performance check. Safely bailing. No need to panic.\nHere was the error:\n"
    with serve_recorder() as server:
        soa = _service(tmp_path, {"endpoint": server.url + "/missing"})
        assert main(["performance-check", "-s", "web", "-d", str(soa)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(bail + f"POST {server.url}/missing answered HTTP 404: ")

    # the server is gone now: nothing answers on its port
    assert main(["performance-check", "-s", "web", "-d", str(soa)]) == 0
    assert capsys.readouterr().out.startswith(bail + f"POST {server.url}/missing failed: ")


def test_performance_check_without_a_config(tmp_path: Path, capsys) -> None:
    soa = _service(tmp_path, None)
    assert main(["performance-check", "-s", "web", "-d", str(soa)]) == 0
    assert capsys.readouterr().out == "No performance-check.yaml. Skipping performance-check.\n"
    assert main(["performance-check", "-s", "nope", "-d", str(soa)]) == 0
    assert "Service 'nope' does not exist" in capsys.readouterr().out
