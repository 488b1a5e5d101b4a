from __future__ import annotations

from paasta_tools.config.merge import deep_merge


def test_overrides_win_and_nested_dicts_merge():
    defaults = {"cpus": 1, "env": {"A": "1", "B": "2"}, "monitoring": {"team": "x"}}
    overrides = {"cpus": 2, "env": {"B": "3", "C": "4"}}
    assert deep_merge(overrides, defaults) == {
        "cpus": 2,
        "env": {"A": "1", "B": "3", "C": "4"},
        "monitoring": {"team": "x"},
    }


def test_lists_are_replaced_not_concatenated():
    assert deep_merge({"cap_add": ["NET_ADMIN"]}, {"cap_add": ["SYS_TIME"]}) == {"cap_add": ["NET_ADMIN"]}


def test_dict_override_replaces_scalar_default():
    assert deep_merge({"x": {"a": 1}}, {"x": 5}) == {"x": {"a": 1}}


def test_inputs_are_not_modified():
    defaults = {"env": {"A": "1"}}
    overrides = {"env": {"B": "2"}}
    result = deep_merge(overrides, defaults)
    result["env"]["C"] = "3"
    assert defaults == {"env": {"A": "1"}}
    assert overrides == {"env": {"B": "2"}}
