"""Reading soa-configs YAML files into plain Python data with clear errors."""

from __future__ import annotations

import os
from typing import Any

import yaml

from paasta_tools.errors import ConfigError

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def parse_yaml(text: str, path: str | os.PathLike[str]) -> Any:
    """Parse YAML ``text`` read from ``path``; syntax errors name the file, line and column."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None


def read_yaml_file(path: str | os.PathLike[str], *, require_mapping: bool = True) -> Any:
    """Read one YAML file.

    A missing or empty file gives ``{}``.  Raises ConfigError naming the file for syntax
    errors (with line and column), bytes that are not UTF-8, an unreadable file, and, when
    ``require_mapping`` is true, a top level that is not a mapping.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a YAML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not valid UTF-8 text (byte {exc.start}, line {line})") from None
    data = parse_yaml(text, path)
    if data is None:
        return {}
    if require_mapping and not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys to values, not {_type_name(data)}")
    return data


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"
