"""Which URL and which credentials a registry is asked with."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from paasta_tools.clients.docker_registry import credentials_for, registry_base_url


def test_loopback_registries_are_plain_http_and_others_https() -> None:
    assert registry_base_url("127.0.0.1:5000") == "http://127.0.0.1:5000"
    assert registry_base_url("localhost:5000/") == "http://localhost:5000"
    assert registry_base_url("[::1]:5000") == "http://[::1]:5000"
    assert registry_base_url("registry.example.com") == "https://registry.example.com"
    assert registry_base_url("http://registry.example.com:80/") == "http://registry.example.com:80"


def test_credentials_come_from_the_docker_config_auths(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    token = base64.b64encode(b"deploy:s3cr:et").decode()
    config.write_text(json.dumps({"auths": {"https://registry.example.com/": {"auth": token}, "other": {}}}))
    assert credentials_for("registry.example.com", config) == ("deploy", "s3cr:et")
    assert credentials_for("other", config) is None
    assert credentials_for("unknown.example.com", config) is None
    config.write_text("{not json")
    assert credentials_for("registry.example.com", config) is None
    assert credentials_for("registry.example.com", tmp_path / "missing.json") is None
