"""The event log line format and the file/null writers."""

from __future__ import annotations

import json

import pytest

from paasta_tools.clients.log_writer import (
    FileLogWriter,
    NullLogWriter,
    format_log_line,
    log_writer_from_config,
)
from paasta_tools.errors import PaastaNotConfiguredError


def test_format_log_line_sorted_keys_and_ansi_stripped():
    line = format_log_line("event", "c1", "svc", "main", "deploy", "\x1b[31mred\x1b[0m text", timestamp="T")
    assert line == (
        '{"cluster": "c1", "component": "deploy", "instance": "main", "level": "event", '
        '"message": "red text", "service": "svc", "timestamp": "T"}'
    )


def test_format_log_line_rejects_unknown_component():
    with pytest.raises(ValueError, match="'deploys'"):
        format_log_line("event", "c1", "svc", "main", "deploys", "x")


def test_file_writer_appends_one_line_per_call_with_defaults(tmp_path):
    writer = log_writer_from_config(
        {"driver": "file", "options": {"path_format": str(tmp_path / "{service}-{component}.log"), "flock": True}}
    )
    writer.log(service="svc", line="first", component="deploy")
    writer.log(service="svc", line="second", component="deploy", cluster="c1", instance="main", level="debug")
    lines = (tmp_path / "svc-deploy.log").read_text().splitlines()
    first, second = (json.loads(x) for x in lines)
    assert (first["message"], first["cluster"], first["instance"], first["level"]) == ("first", "N/A", "N/A", "event")
    assert (second["cluster"], second["instance"], second["level"]) == ("c1", "main", "debug")
    assert "T" in first["timestamp"]


def test_file_writer_reports_unwritable_path_without_raising(tmp_path):
    errors: list[str] = []
    (tmp_path / "afile").write_text("")
    writer = FileLogWriter(path_format=str(tmp_path / "afile" / "x.log"), on_error=errors.append)
    writer.log(service="svc", line="hello", component="deploy")
    assert len(errors) == 1 and "Could not log to" in errors[0] and "hello" in errors[0]


def test_file_writer_creates_a_missing_log_directory(tmp_path):
    errors: list[str] = []
    writer = FileLogWriter(path_format=str(tmp_path / "logs" / "{service}.log"), on_error=errors.append)
    writer.log(service="svc", line="hello", component="deploy")
    assert errors == [] and json.loads((tmp_path / "logs" / "svc.log").read_text())["message"] == "hello"


def test_missing_config_gives_null_writer_and_bad_driver_names_it():
    assert isinstance(log_writer_from_config(None), NullLogWriter)
    assert isinstance(log_writer_from_config({"driver": "null"}), NullLogWriter)
    with pytest.raises(PaastaNotConfiguredError, match="'scribe'.*/etc/paasta"):
        log_writer_from_config({"driver": "scribe"}, where="/etc/paasta")
    with pytest.raises(PaastaNotConfiguredError, match="path_format"):
        log_writer_from_config({"driver": "file", "options": {}})


def test_upstream_option_spelling_line_delimeter(tmp_path):
    writer = log_writer_from_config(
        {"driver": "file", "options": {"path_format": str(tmp_path / "l"), "line_delimeter": "|"}}
    )
    writer.log(service="svc", line="x", component="build")
    assert (tmp_path / "l").read_text().endswith("}|")


def test_load_log_writer_from_system_config(tmp_path):
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.system_config import load_system_paasta_config

    (tmp_path / "logs.json").write_text(
        json.dumps({"log_writer": {"driver": "file", "options": {"path_format": str(tmp_path / "{service}.log")}}})
    )
    writer = load_log_writer(lambda: load_system_paasta_config(tmp_path))
    writer.log(service="svc", line="hi", component="deploy")
    assert json.loads((tmp_path / "svc.log").read_text())["message"] == "hi"


def test_load_log_writer_without_config_is_null(tmp_path):
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.system_config import load_system_paasta_config

    assert isinstance(load_log_writer(lambda: load_system_paasta_config(tmp_path / "missing")), NullLogWriter)
    assert isinstance(load_log_writer(lambda: load_system_paasta_config(tmp_path)), NullLogWriter)


def test_file_writer_bad_path_format_is_reported(tmp_path):
    errors: list[str] = []
    FileLogWriter(path_format=str(tmp_path / "{nope}.log"), on_error=errors.append).log("svc", "x", "deploy")
    assert len(errors) == 1 and "path_format" in errors[0]
