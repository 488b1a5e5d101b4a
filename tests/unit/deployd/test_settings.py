"""deployd_* system config keys: upstream's defaults, overrides and bad values."""

from __future__ import annotations

import pytest

from paasta_tools.deployd.settings import instances_on_hosts, settings_from_system_config
from paasta_tools.errors import PaastaNotConfiguredError
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask
from paasta_tools.system_config import SystemPaastaConfig


def test_defaults_are_upstreams():
    config = SystemPaastaConfig({}, directory="/etc/paasta")
    assert config.get_deployd_number_workers() == 4
    assert config.get_deployd_big_bounce_rate() == 0.1
    assert config.get_deployd_startup_bounce_rate() == 0.1
    assert config.get_deployd_log_level() == "INFO"
    assert config.get_deployd_worker_failure_backoff_factor() == 30
    assert config.get_deployd_maintenance_polling_frequency() == 30
    assert config.get_deployd_startup_oracle_enabled() is True
    assert config.get_disabled_watchers() == []
    settings = settings_from_system_config(config, "/soa")
    assert (settings.soa_dir, settings.number_workers, settings.bounce_again_s) == ("/soa", 4, 60.0)


def test_configured_values_and_overrides():
    config = SystemPaastaConfig(
        {
            "deployd_number_workers": 2,
            "deployd_startup_bounce_rate": 30,
            "deployd_startup_oracle_enabled": False,
            "disabled_watchers": ["MaintenanceWatcher"],
        }
    )
    settings = settings_from_system_config(config, "/soa", poll_interval_s=0.1)
    assert settings.number_workers == 2 and settings.startup_bounce_rate == 30.0
    assert settings.startup_oracle_enabled is False
    assert settings.disabled_watchers == {"MaintenanceWatcher"}
    assert settings.poll_interval_s == 0.1


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("deployd_startup_bounce_rate", 0, "deployd_startup_bounce_rate in /etc/x must be a positive number, got 0.0"),
        ("deployd_number_workers", -1, "deployd_number_workers in /etc/x must be a positive number, got -1"),
        ("deployd_big_bounce_rate", "fast", "deployd_big_bounce_rate in /etc/x must be a number, got 'fast'"),
        (
            "deployd_worker_failure_backoff_factor",
            None,
            "deployd_worker_failure_backoff_factor in /etc/x must be a number",
        ),
    ],
)
def test_bad_values_are_config_errors_naming_the_key(key, value, message):
    with pytest.raises(PaastaNotConfiguredError, match=message):
        settings_from_system_config(SystemPaastaConfig({key: value}, directory="/etc/x"), "/soa")


@pytest.mark.parametrize("value", ["MaintenanceWatcher", 5, [1], {"MaintenanceWatcher": True}])
def test_disabled_watchers_must_be_a_list_of_names(value):
    config = SystemPaastaConfig({"disabled_watchers": value}, directory="/etc/x")
    with pytest.raises(PaastaNotConfiguredError, match="disabled_watchers in /etc/x must be a list of watcher names"):
        settings_from_system_config(config, "/soa")


def _app(app_id: str, *hosts: str) -> MarathonAppState:
    tasks = tuple(MarathonTask(id=f"{app_id}.{n}", app_id=app_id, host=h) for n, h in enumerate(hosts))
    return MarathonAppState(id=app_id, instances=len(hosts), tasks=tasks)


def test_instances_on_draining_hosts():
    apps = [
        _app("/my--svc.main.gitaaaaaaaa.config11111111", "h1", "h2"),
        _app("/my--svc.main.gitbbbbbbbb.config22222222", "h2"),
        _app("/other.canary.gitaaaaaaaa.config11111111", "h3"),
        _app("/not-paasta", "h1"),
    ]
    assert instances_on_hosts(apps, {"h2"}) == [("my_svc", "main")]
    assert instances_on_hosts(apps, {"h1", "h3"}) == [("my_svc", "main"), ("other", "canary")]
    assert instances_on_hosts(apps, set()) == []
