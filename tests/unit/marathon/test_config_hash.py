"""The config hash: exact JSON input, dropped keys, labels, force_bounce."""

from __future__ import annotations

import hashlib

from paasta_tools.marathon.config_hash import app_config_hash, get_config_hash, sanitize_for_config_hash


def _md5_8(text: str) -> str:
    return "config" + hashlib.md5(text.encode()).hexdigest()[:8]


def test_hash_input_uses_default_json_separators_and_sorted_keys() -> None:
    config = {"mem": 512.0, "cpus": 0.25, "cmd": None, "env": {"B": "é", "A": "1"}}
    expected_text = '{"cmd": null, "cpus": 0.25, "env": {"A": "1", "B": "\\u00e9"}, "mem": 512.0}'
    assert get_config_hash(config) == _md5_8(expected_text)


def test_force_bounce_is_appended_to_the_json() -> None:
    config = {"a": 1}
    assert get_config_hash(config, force_bounce="20170101T000000") == _md5_8('{"a": 1}20170101T000000')
    assert get_config_hash(config, None) == get_config_hash(config, "") == _md5_8('{"a": 1}')


def test_literal_hash_is_pinned() -> None:
    assert get_config_hash({"a": 1}) == "config42b7b4f2"


def test_sanitize_drops_scaling_keys_id_and_labels_without_touching_input() -> None:
    app = {
        "id": "svc.main.gitx.configy",
        "instances": 3,
        "backoff_seconds": 4,
        "min_instances": 1,
        "max_instances": 9,
        "mem": 1024.0,
        "container": {
            "docker": {
                "parameters": [
                    {"key": "memory-swap", "value": "1024m"},
                    {"key": "label", "value": "paasta_service=svc"},
                    {"key": "label", "value": "paasta_instance=main"},
                ]
            }
        },
    }
    sanitized = sanitize_for_config_hash(app)
    assert sanitized == {
        "mem": 1024.0,
        "container": {"docker": {"parameters": [{"key": "memory-swap", "value": "1024m"}]}},
    }
    assert len(app["container"]["docker"]["parameters"]) == 3


def test_scaling_changes_do_not_change_the_hash() -> None:
    base = {"mem": 1024.0, "instances": 1, "backoff_seconds": 10}
    scaled = {"mem": 1024.0, "instances": 5, "backoff_seconds": 2}
    assert app_config_hash(base) == app_config_hash(scaled)
    assert app_config_hash(base) != app_config_hash({"mem": 2048.0, "instances": 1})
