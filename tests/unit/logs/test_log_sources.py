"""Where ``paasta logs`` lines come from: the file writer's files (globbed path_format) and task sandboxes."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest

from paasta_tools.cli.cmds.logs import check_filtering_args, show_logs
from paasta_tools.clients.log_reader import FileLogReader, event_log_reader, path_pattern
from paasta_tools.clients.log_writer import FileLogWriter
from paasta_tools.errors import LogsError, PaastaNotConfiguredError
from paasta_tools.logs.filtering import LogFilter
from paasta_tools.logs.sandbox import instance_of_task, sandbox_lines, service_tasks
from paasta_tools.system_config import SystemPaastaConfig

NOW = datetime.datetime(2017, 4, 20, 12, 0, tzinfo=datetime.UTC)
ALL = LogFilter("svc", frozenset({"deploy", "build", "stdout"}))


def test_path_pattern_keeps_the_service_and_matches_anything_for_the_other_fields() -> None:
    root, pattern = path_pattern("/var/log/{service}/{cluster}-{instance}.{component}.{level}.log", "s.1")
    assert root == "/var/log/s.1"
    assert pattern.match("/var/log/s.1/N/A-N/A.deploy.event.log")
    assert not pattern.match("/var/log/sx1/c-i.deploy.event.log")
    assert path_pattern("/var/log/{service}.log", "svc")[0] == "/var/log/svc.log"
    assert path_pattern("logs/{cluster}/{service}.log", "svc")[0] == "logs"
    with pytest.raises(LogsError, match=r"uses \{host\}"):
        path_pattern("/var/log/{host}.log", "svc")


def test_file_reader_reads_back_what_the_writer_wrote_then_only_new_lines(tmp_path: Path) -> None:
    path_format = str(tmp_path / "{service}" / "{cluster}.{component}.log")
    writer = FileLogWriter(path_format)
    writer.log("svc", "first", "deploy", cluster="c1", instance="main")
    writer.log("svc", "built", "build")
    writer.log("other", "not mine", "deploy", cluster="c1")
    reader = FileLogReader(path_format, "svc")
    assert sorted(line.message for line in reader.read_new(ALL)) == ["built", "first"]
    assert reader.read_new(ALL) == []
    writer.log("svc", "second", "deploy", cluster="c2", instance="canary")
    with open(tmp_path / "svc" / "c1.deploy.log", "a") as handle:
        handle.write('{"partial": ')  # an unterminated line waits for its end
    assert [line.message for line in reader.read_new(ALL)] == ["second"]
    assert reader.warnings == []


def test_event_log_reader_needs_a_usable_config(tmp_path: Path) -> None:
    with pytest.raises(PaastaNotConfiguredError, match="Could not find log_reader in configuration directory"):
        event_log_reader(SystemPaastaConfig({}, str(tmp_path)), "svc")
    with pytest.raises(LogsError, match="log_reader driver 'scribereader' .* supported drivers: \\['file'\\]"):
        event_log_reader(SystemPaastaConfig({"log_reader": {"driver": "scribereader"}}, str(tmp_path)), "svc")
    with pytest.raises(LogsError, match="needs options.path_format"):
        event_log_reader(SystemPaastaConfig({"log_reader": {"driver": "file"}}, str(tmp_path)), "svc")


@pytest.mark.parametrize(
    ("task_id", "instance"),
    [
        ("svc.main.gitabcdef01.config12345678.1f2e3d4c-aaaa", "main"),
        ("svc.my--inst.gitabcdef01.config12345678.uuid", "my_inst"),
        ("other.main.gitabcdef01.config12345678.uuid", None),
        ("ct:1492689600000:0:svc nightly:", "nightly"),
        ("ct:1492689600000:1:tmp-2017-04-20T120000 svc nightly:", "nightly"),
        ("ct:1492689600000:0:other nightly:", None),
        ("garbage", None),
    ],
)
def test_instance_of_task(task_id: str, instance: str | None) -> None:
    assert instance_of_task(task_id, "svc") == instance


def test_service_tasks_and_their_lines() -> None:
    state = {
        "frameworks": [
            {
                "tasks": [
                    {"id": "svc.main.gitaa.configbb.u1", "slave_id": "S1", "state": "TASK_RUNNING",
                     "statuses": [{"state": "TASK_STAGING", "timestamp": 1492689000.0},
                                  {"state": "TASK_RUNNING", "timestamp": 1492689001.5}]},
                    {"id": "svc.canary.gitaa.configbb.u2", "slave_id": "S1", "state": "TASK_RUNNING"},
                ],
                "completed_tasks": [{"id": "ct:1:0:svc job:", "slave_id": "S1", "state": "TASK_FINISHED",
                                     "statuses": [{"state": "TASK_FINISHED", "timestamp": 1492689100.0}]}],
            }
        ]
    }  # fmt: skip
    tasks = service_tasks(state, "svc", None, NOW)
    assert [(t.instance, t.started_at) for t in tasks] == [
        ("main", datetime.datetime.fromtimestamp(1492689001.5, datetime.UTC)),
        ("canary", NOW),
        ("job", datetime.datetime.fromtimestamp(1492689100.0, datetime.UTC)),
    ]
    assert [t.instance for t in service_tasks(state, "svc", ["main"], NOW, include_completed=False)] == ["main"]
    lines = sandbox_lines(tasks[0], "stdout", ["hello", "world"], "svc", "c1")
    assert [(line.message, line.component, line.cluster, line.instance) for line in lines] == [
        ("hello", "stdout", "c1", "main"),
        ("world", "stdout", "c1", "main"),
    ]
    assert '"component": "stdout"' in lines[0].raw and lines[0].timestamp == tasks[0].started_at


def test_flag_combinations_upstream_refused() -> None:
    tailing = "You cannot specify line/time based filtering parameters when tailing"
    assert check_filtering_args(True, 10, None, None, None) == tailing
    assert check_filtering_args(True, None, None, "5m", None) == tailing
    assert check_filtering_args(False, 10, None, "5m", None) == "You cannot filter based on both line counts and time"
    assert check_filtering_args(False, 10, 3, None, None) is None
    assert check_filtering_args(True, None, None, None, None) is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_show_logs_colours_only_on_a_terminal(tmp_path: Path) -> None:
    path_format = str(tmp_path / "{service}.log")
    FileLogWriter(path_format).log("svc", "Marked it", "deploy")
    config = SystemPaastaConfig({"log_reader": {"driver": "file", "options": {"path_format": path_format}}})
    outputs = []
    for out in (io.StringIO(), _Terminal()):
        err = io.StringIO()
        assert show_logs("svc", frozenset({"deploy"}), ["c1"], None, out=out, err=err, system_config=config) == 0
        outputs.append(out.getvalue())
        assert "Fetching 100 lines and applying filters" in err.getvalue()
    plain, colored = outputs
    assert plain.endswith(" [deploy] [N/A] [N/A] - [event] Marked it\n") and "\033[" not in plain
    assert "\033[36m[deploy]\033[0m" in colored and colored.endswith("Marked it\n")


def test_component_completion() -> None:
    from paasta_tools.cli.cmds.logs import complete_components

    assert complete_components("st") == ["stdout", "stderr"]
    assert "app_output" in complete_components("")
