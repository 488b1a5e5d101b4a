from __future__ import annotations

from paasta_tools.config.monitoring import (
    get_monitoring_value,
    get_runbook,
    get_team,
    get_ticket,
    resolve_monitoring,
)
from paasta_tools.config.soa_dir import ServiceFiles


def files(service_yaml=None, monitoring=None):
    return ServiceFiles(service="svc", soa_dir="/soa", service_yaml=service_yaml or {}, monitoring=monitoring or {})


def test_builtin_defaults():
    resolved = resolve_monitoring(files())
    assert resolved["team"] is None
    assert resolved["ticket"] is False
    assert resolved["project"] is None
    assert resolved["realert_every"] == -1
    assert resolved["runbook"].startswith("Please set a `runbook` field in your monitoring.yaml")
    assert resolved["tip"].startswith("Please set a `tip` field")


def test_service_yaml_top_level_beats_default():
    assert get_team(files(service_yaml={"team": "a"})) == "a"


def test_service_yaml_monitoring_dict_beats_top_level():
    service_files = files(service_yaml={"team": "a", "monitoring": {"team": "b"}})
    assert get_team(service_files) == "b"


def test_monitoring_yaml_beats_service_yaml():
    service_files = files(service_yaml={"team": "a", "monitoring": {"team": "b"}}, monitoring={"team": "c"})
    assert get_team(service_files) == "c"


def test_monitoring_yaml_used_when_service_yaml_has_no_monitoring_dict():
    assert get_runbook(files(service_yaml={"runbook": "y/a"}, monitoring={"runbook": "y/b"})) == "y/b"


def test_instance_overrides_win():
    service_files = files(service_yaml={"team": "a"}, monitoring={"team": "c", "ticket": True})
    assert get_team(service_files, {"team": "d"}) == "d"
    assert get_ticket(service_files, {"team": "d"}) is True


def test_unknown_key_without_default_is_none():
    assert get_monitoring_value("irc_channels", files()) is None
