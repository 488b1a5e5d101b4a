"""The reference pages name every key, method and default the code knows.

Fails when a schema gains a key, a default changes or a bounce/drain method is added without
the docs following (docs/source/yelpsoa_configs.rst, system_configs.rst, bouncing.rst).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paasta_tools.clients.drain_methods import DRAIN_METHODS
from paasta_tools.config.monitoring import MONITORING_KEYS
from paasta_tools.config.smartstack import _COPIED_KEYS
from paasta_tools.config.validation import FileKind, load_schema
from paasta_tools.devcluster.system_config import DevclusterEndpoints, system_config_documents
from paasta_tools.marathon.bounce_methods import list_bounce_methods

DOCS = Path(__file__).resolve().parents[2] / "docs" / "source"


def _read(name: str) -> str:
    return (DOCS / name).read_text()


def _section(text: str, title: str) -> str:
    """The text of the section titled ``title`` up to the next section of the same level."""
    lines = text.splitlines()
    start = lines.index(title)
    underline = lines[start + 1][0]
    end = len(lines)
    for index in range(start + 2, len(lines) - 1):
        if lines[index + 1] == underline * len(lines[index]) and lines[index]:
            end = index
            break
    return "\n".join(lines[start:end])


def _definitions(text: str) -> dict[str, str]:
    """``{key: body}`` of every definition-list item whose term names one or more ``keys``."""
    found: dict[str, str] = {}
    blocks = re.split(r"\n(?=``)", text)
    for block in blocks:
        term, _, body = block.partition("\n    ")
        for key in re.findall(r"``([a-z_]+)``", term):
            found.setdefault(key, body)
    return found


def _schema_properties(kind: FileKind) -> dict[str, dict]:
    (instance,) = load_schema(kind)["patternProperties"].values()
    return instance["properties"]


SECTIONS = {
    FileKind.MARATHON: "marathon-[clustername].yaml",
    FileKind.CHRONOS: "chronos-[clustername].yaml",
    FileKind.ADHOC: "adhoc-[clustername].yaml",
}


@pytest.mark.parametrize("kind", list(FileKind), ids=lambda k: k.value)
def test_every_schema_key_is_documented_in_its_section(kind):
    section = _section(_read("yelpsoa_configs.rst"), SECTIONS[kind])
    missing = [key for key in _schema_properties(kind) if f"``{key}``" not in section]
    assert not missing, f"yelpsoa_configs.rst, section {SECTIONS[kind]}, lacks {missing}"


def _rendered(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_marathon_schema_defaults_are_the_documented_ones():
    section = _section(_read("yelpsoa_configs.rst"), SECTIONS[FileKind.MARATHON])
    definitions = _definitions(section)
    wrong = []
    for key, spec in _schema_properties(FileKind.MARATHON).items():
        if "default" in spec and f"``{_rendered(spec['default'])}``" not in definitions.get(key, ""):
            wrong.append((key, spec["default"]))
    assert not wrong, f"marathon keys whose documented default differs from the schema's: {wrong}"


def test_code_defaults_appear_next_to_their_keys():
    definitions = _definitions(_section(_read("yelpsoa_configs.rst"), SECTIONS[FileKind.MARATHON]))
    expected = {
        "cpus": "0.25",
        "mem": "1024",
        "disk": "1024",
        "healthcheck_max_consecutive_failures": "30",
        "bounce_method": "crossover",
        "replication_threshold": "50",
        "pool": "default",
        "instances": "1",
        "net": "bridge",
    }
    wrong = {key: value for key, value in expected.items() if f"``{value}``" not in definitions.get(key, "")}
    assert not wrong


def test_smartstack_and_monitoring_keys_are_documented():
    text = _read("yelpsoa_configs.rst")
    smartstack, monitoring = _section(text, "smartstack.yaml"), _section(text, "monitoring.yaml")
    assert [k for k in (*_COPIED_KEYS, "mode", "routes", "extra_advertise") if f"``{k}``" not in smartstack] == []
    assert [k for k in MONITORING_KEYS if f"``{k}``" not in monitoring] == []


def test_every_bounce_and_drain_method_is_described():
    definitions = _definitions(_read("bouncing.rst"))
    assert [m for m in list_bounce_methods() if m not in definitions] == []
    documented = set(definitions) | set(re.findall(r"``([a-z_]+)``", _read("bouncing.rst")))
    assert [m for m in DRAIN_METHODS if m not in documented] == []


def test_every_key_the_devcluster_writes_is_in_the_system_config_page():
    endpoints = DevclusterEndpoints("dev", "http://m", "http://c", "http://mesos", 2181, None, Path("/tmp"))
    keys = {key for document in system_config_documents(endpoints).values() for key in document}
    definitions = _definitions(_read("system_configs.rst"))
    assert sorted(keys - set(definitions)) == []
