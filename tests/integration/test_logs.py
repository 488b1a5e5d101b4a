"""``paasta logs`` reading back what the commands logged through the file writer, and task sandboxes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from paasta_tools.cli.cli import main as cli_main
from paasta_tools.cli.cmds.logs import follow, show_logs
from paasta_tools.clients import marathon_client
from paasta_tools.clients.log_reader import build_readers
from paasta_tools.clients.log_writer import FileLogWriter
from paasta_tools.logs.filtering import LogFilter
from paasta_tools.system_config import load_system_paasta_config
from tests.integration.status.helpers import deploy, running_tasks, system_config_dir, write_service
from tests.support.git_repos import make_bare_repo
from tests.support.git_repos import write_service as write_files

REPO = Path(__file__).resolve().parents[2]
MARATHON_YAML = "main:\n  deploy_group: prod\ncanary:\n  deploy_group: prod\n"


@pytest.fixture
def logged_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Service ``svc`` in clusters c1 and c2 (git_url a bare repo); writer and reader share one path_format."""
    bare, shas = make_bare_repo(tmp_path)
    soa = tmp_path / "soa"
    files = {"service.yaml": f"git_url: {bare}\n", "marathon-c1.yaml": MARATHON_YAML, "marathon-c2.yaml": MARATHON_YAML}
    write_files(soa, "svc", files)
    etc = tmp_path / "etc"
    etc.mkdir()
    path_format = str(tmp_path / "logs" / "{service}" / "{cluster}.{component}.log")
    config = {"driver": "file", "options": {"path_format": path_format}}
    document = {"log_writer": config, "log_reader": config}
    (etc / "logs.json").write_text(json.dumps(document))
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    return SimpleNamespace(soa=str(soa), sha=shas[-1], path_format=path_format, etc=etc)


def _logs(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = cli_main(["logs", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def _messages(lines: list[str]) -> list[str]:
    return [line.split(" - [event] ", 1)[1] for line in lines]


def test_logs_reads_back_mark_for_deployment_stop_and_start(logged_service, capsys) -> None:
    s = logged_service
    assert cli_main(["mark-for-deployment", "-s", "svc", "-l", "prod", "-c", s.sha, "-d", s.soa]) == 0
    assert cli_main(["stop", "-s", "svc", "-c", "c1", "-i", "main", "-d", s.soa]) == 0
    time.sleep(0.01)  # distinct timestamps: the merge orders by time
    assert cli_main(["start", "-s", "svc", "-c", "c2", "-i", "canary", "-d", s.soa]) == 0
    capsys.readouterr()

    code, lines, err = _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy")
    assert code == 0
    assert "Fetching 100 lines and applying filters. Try -n 1000 for more lines..." in err
    marked = f"Marked {s.sha} for deployment in deploy group prod"
    assert _messages(lines)[0] == marked
    assert " [deploy] [N/A] [N/A] - [event] " in lines[0]
    assert (
        " [deploy] [c1] [main] - [event] Issued request to change state of main (an instance of svc) to 'stop'"
        in (lines[1])
    )
    assert " [deploy] [c2] [canary] - [event] Issued request to change state of canary" in lines[2]
    assert len(lines) == 3 and "\033[" not in "".join(lines)  # no colours when not on a terminal

    assert [m[:30] for m in _messages(_logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-c", "c2")[1])] == [
        marked[:30], "Issued request to change state"
    ]  # fmt: skip
    assert len(_logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-i", "main")[1]) == 1
    assert _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-l", "1")[1] == lines[2:]
    assert _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-o", "1", "-l", "2")[1] == lines[:2]
    assert _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-a", "1h")[1] == lines
    assert _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-t", "1h")[1] == []
    code, lines_none, err = _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "build,monitoring", "-v")
    assert (code, lines_none) == (0, [])
    assert "Components build,monitoring of svc on clusters c1,c2" in err
    assert f"Reading the event log files {s.path_format} of svc" in err
    raw = _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy", "-r")[1]
    assert [json.loads(line)["message"] for line in raw] == _messages(lines)
    assert json.loads(raw[0]) == {**json.loads(raw[0]), "service": "svc", "component": "deploy", "message": marked}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-C", "deploy,bogus"], "Unknown log component(s) for -C/--components: bogus. Valid components: build,"),
        (["-a", "last tuesday"], "--from argument 'last tuesday' is not in ISO8601 format and not a valid duration"),
        (["-f", "-l", "10"], "You cannot specify line/time based filtering parameters when tailing"),
        (["-s", "nope"], "Service 'nope' does not exist"),
    ],
)
def test_bad_arguments_are_one_line_errors(logged_service, capsys, argv, message) -> None:
    code, lines, err = _logs(capsys, "-s", "svc", "-d", logged_service.soa, *argv)
    assert (code, lines) == (1, [])
    assert message in err and "Traceback" not in err


def test_missing_log_reader_config_is_an_error(logged_service, capsys) -> None:
    (logged_service.etc / "logs.json").write_text(json.dumps({"log_writer": {"driver": "null"}}))
    code, lines, err = _logs(capsys, "-s", "svc", "-d", logged_service.soa, "-C", "deploy")
    assert code == 1
    assert f"Could not find log_reader in configuration directory: {logged_service.etc}" in err


def test_follow_prints_only_lines_written_after_it_started(logged_service) -> None:
    s = logged_service
    writer = FileLogWriter(s.path_format)
    writer.log("svc", "before", "deploy", cluster="c1", instance="main")
    log_filter = LogFilter("svc", frozenset({"deploy"}), frozenset({"c1"}))
    readers, _ = build_readers(load_system_paasta_config(), "svc", log_filter.components, ["c1"])
    seen: list[str] = []
    deadline = time.monotonic() + 5
    stop = lambda: "second" in seen or time.monotonic() > deadline  # noqa: E731
    primed = threading.Event()

    def sleep(seconds: float) -> None:  # first called once the lines already there have been read
        primed.set()
        time.sleep(seconds)

    thread = threading.Thread(target=follow, args=(readers, log_filter, lambda line: seen.append(line.message),
                                                   io.StringIO(), 0.05, stop, sleep))  # fmt: skip
    thread.start()
    assert primed.wait(5)
    writer.log("svc", "first", "deploy", cluster="c1", instance="main")
    writer.log("svc", "elsewhere", "deploy", cluster="c2", instance="main")
    writer.log("svc", "second", "deploy", cluster="c1", instance="canary")
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert seen == ["first", "second"]


def test_paasta_logs_f_runs_until_ctrl_c_and_exits_0(logged_service) -> None:
    s = logged_service
    env = {**os.environ, "PAASTA_SYSTEM_CONFIG_DIR": str(s.etc), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "paasta_tools.cli.cli", "logs", "-s", "svc", "-d", s.soa, "-C", "deploy", "-f"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(30, process.kill)
    watchdog.start()
    try:
        started = process.stderr.readline()
        time.sleep(0.5)  # the first read, which sets where following begins, follows that line at once
        FileLogWriter(s.path_format).log("svc", "hello while tailing", "deploy", cluster="c1", instance="main")
        shown = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
    assert started.strip() == "Tailing logs and applying filters..."
    assert shown.rstrip("\n").endswith(" [deploy] [c1] [main] - [event] hello while tailing")
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_stdout_and_stderr_of_a_devcluster_task(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    from paasta_tools.devcluster.executors.process import ProcessExecutor

    data_dir = tmp_path / "cluster"
    running = devcluster_factory(executor=ProcessExecutor(data_dir), data_dir=data_dir)
    etc = system_config_dir(tmp_path, running)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(etc))
    client, soa = marathon_client.get_marathon_client(running.marathon_url), tmp_path / "soa"
    cmd = "echo out-1; echo out-2; echo oops >&2; while sleep 0.2; do echo tick; done"
    write_service(soa, "svc", {"main": {"instances": 1, "cmd": cmd}})
    system_config = load_system_paasta_config()
    FileLogWriter(system_config.get_log_writer()["options"]["path_format"]).log(
        "svc", "Created app", "deploy", cluster="devcluster", instance="main"
    )
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 1)

    def read() -> list[str]:
        out, err = io.StringIO(), io.StringIO()
        components = frozenset({"deploy", "stdout", "stderr"})
        assert show_logs("svc", components, ["devcluster"], ["main"], out=out, err=err) == 0
        return out.getvalue().splitlines()

    lines = wait_for(lambda: (found := read()) and "tick" in _messages(found) and found, timeout=10)
    assert _messages(lines)[0] == "Created app"  # logged before the task started
    body = [line.split(" ", 2)[2] for line in lines[1:]]
    assert body[:4] == [
        "[stderr] [devcluster] [main] - [event] oops",
        "[stdout] [devcluster] [main] - [event] out-1",
        "[stdout] [devcluster] [main] - [event] out-2",
        "[stdout] [devcluster] [main] - [event] tick",
    ]

    log_filter = LogFilter("svc", frozenset({"stdout"}), frozenset({"devcluster"}), frozenset({"main"}))
    readers, warnings = build_readers(system_config, "svc", log_filter.components, ["devcluster"])
    assert warnings == []
    seen: list[str] = []
    deadline = time.monotonic() + 5
    follow(readers, log_filter, lambda line: seen.append(line.message), io.StringIO(), 0.1,
           lambda: seen.count("tick") >= 2 or time.monotonic() > deadline)  # fmt: skip
    assert seen[:2] == ["tick", "tick"] and "out-1" not in seen


def test_an_unreachable_cluster_is_a_warning_and_the_rest_is_shown(logged_service, capsys) -> None:
    from tests.conftest import free_port

    s = logged_service
    clusters = {"clusters": {"c1": {"mesos_url": f"http://127.0.0.1:{free_port()}"}}}
    (s.etc / "clusters.json").write_text(json.dumps(clusters))
    FileLogWriter(s.path_format).log("svc", "deployed", "deploy", cluster="c1", instance="main")
    code, lines, err = _logs(capsys, "-s", "svc", "-d", s.soa, "-C", "deploy,app_output")
    assert code == 0 and _messages(lines) == ["deployed"]
    assert "Warning: Could not list the tasks of svc on cluster c1: could not reach the Mesos master at" in err
    assert "Warning: No stdout/stderr for cluster c2: Could not find clusters.c2" in err


def test_stdout_of_a_finished_chronos_run(tmp_path: Path, devcluster_factory, monkeypatch, wait_for) -> None:
    import chronos

    from paasta_tools.devcluster.executors.process import ProcessExecutor

    data_dir = tmp_path / "cluster"
    running = devcluster_factory(executor=ProcessExecutor(data_dir), data_dir=data_dir)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    client = chronos.connect([running.chronos_url.removeprefix("http://")], scheduler_api_version=None)
    job = {"name": "svc nightly", "command": "echo nightly-ran", "owner": "t@example.com", "disabled": False,
           "async": False, "schedule": "R/2099-01-01T00:00:00Z/P1D"}  # fmt: skip
    client.add(job)
    client.run("svc nightly")
    wait_for(lambda: next(j for j in client.list() if j["name"] == "svc nightly")["successCount"] == 1, timeout=10)
    out, err = io.StringIO(), io.StringIO()
    assert show_logs("svc", frozenset({"stdout"}), ["devcluster"], ["nightly"], out=out, err=err) == 0
    assert out.getvalue().splitlines()[-1].endswith(" [stdout] [devcluster] [nightly] - [event] nightly-ran")
    assert "Warning" not in err.getvalue()
