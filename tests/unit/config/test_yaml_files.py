from __future__ import annotations

import pytest

from paasta_tools.config.yaml_files import parse_yaml, read_yaml_file
from paasta_tools.errors import ConfigError


def test_missing_file_reads_as_empty_mapping(tmp_path):
    assert read_yaml_file(tmp_path / "nope.yaml") == {}


def test_empty_file_reads_as_empty_mapping(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert read_yaml_file(path) == {}


def test_mapping_is_returned_in_file_order(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("zeta: 1\nalpha: {cpus: 0.5}\n")
    data = read_yaml_file(path)
    assert list(data) == ["zeta", "alpha"]
    assert data["alpha"] == {"cpus": 0.5}


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "marathon-x.yaml"
    path.write_text("main:\n  cpus: 1\n  mem: [1, 2\n")
    with pytest.raises(ConfigError) as excinfo:
        read_yaml_file(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert "line 4, column 1" in message


def test_tab_indentation_error_reports_position(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("main:\n\tcpus: 1\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: invalid YAML at line 2, column 1"):
        read_yaml_file(path)


def test_non_utf8_bytes_are_a_clear_error(tmp_path):
    path = tmp_path / "service.yaml"
    path.write_bytes(b"description: caf\xe9\nother: x\n")
    with pytest.raises(ConfigError, match=r"service\.yaml: not valid UTF-8 text \(byte 16, line 1\)"):
        read_yaml_file(path)


def test_top_level_list_is_rejected_where_a_mapping_is_required(tmp_path):
    path = tmp_path / "deploy.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match=r"deploy\.yaml: the top level must be a mapping .* not a list"):
        read_yaml_file(path)


def test_top_level_scalar_allowed_when_mapping_not_required(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("- a\n")
    assert read_yaml_file(path, require_mapping=False) == ["a"]


def test_directory_instead_of_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        read_yaml_file(tmp_path)


def test_safe_loader_refuses_python_tags():
    with pytest.raises(ConfigError, match="invalid YAML"):
        parse_yaml("x: !!python/object/apply:os.system ['true']\n", "evil.yaml")
