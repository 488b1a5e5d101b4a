"""paasta-deployd's settings, read from the system config's ``deployd_*`` keys (upstream's names and defaults)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import InvalidJobNameError, PaastaNotConfiguredError
from paasta_tools.marathon.job_id import deformat_job_id
from paasta_tools.marathon.tasks import MarathonAppState

POLL_INTERVAL_S = 1.0
BOUNCE_AGAIN_S = 60.0


@dataclass(frozen=True)
class DeploydSettings:
    """How the daemon paces itself; every field but the last three comes from the system config."""

    soa_dir: str
    number_workers: int = 4
    startup_bounce_rate: float = 0.1
    big_bounce_rate: float = 0.1
    failure_backoff_factor: float = 30
    maintenance_polling_frequency: float = 30
    startup_oracle_enabled: bool = True
    disabled_watchers: frozenset[str] = frozenset()
    poll_interval_s: float = POLL_INTERVAL_S
    bounce_again_s: float = BOUNCE_AGAIN_S
    identifier: str = ""


def _number(config: Any, key: str, positive: bool = True) -> float:
    """``config.get_<key>()``; a value that is not a (positive) number is a config error naming the key."""
    directory = getattr(config, "directory", "the system config")
    try:
        value = getattr(config, f"get_{key}")()
    except (TypeError, ValueError):
        raise PaastaNotConfiguredError(f"{key} in {directory} must be a number, got {config.get(key)!r}") from None
    if positive and not value > 0:
        raise PaastaNotConfiguredError(f"{key} in {directory} must be a positive number, got {value!r}")
    return value


def _watcher_names(config: Any) -> frozenset[str]:
    """``disabled_watchers``; anything but a list of names is a config error naming the key."""
    value = config.get("disabled_watchers")
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        directory = getattr(config, "directory", "the system config")
        raise PaastaNotConfiguredError(
            f"disabled_watchers in {directory} must be a list of watcher names, got {value!r}"
        )
    return frozenset(value)


def settings_from_system_config(config: Any, soa_dir: str, **overrides: Any) -> DeploydSettings:
    """DeploydSettings from a SystemPaastaConfig's ``deployd_*`` getters; ``overrides`` replace fields."""
    values = {
        "number_workers": int(_number(config, "deployd_number_workers")),
        "startup_bounce_rate": _number(config, "deployd_startup_bounce_rate"),
        "big_bounce_rate": _number(config, "deployd_big_bounce_rate"),
        "failure_backoff_factor": _number(config, "deployd_worker_failure_backoff_factor", positive=False),
        "maintenance_polling_frequency": _number(config, "deployd_maintenance_polling_frequency"),
        "startup_oracle_enabled": config.get_deployd_startup_oracle_enabled(),
        "disabled_watchers": _watcher_names(config),
    }
    return DeploydSettings(soa_dir=soa_dir, **{**values, **overrides})


def instances_on_hosts(apps: Iterable[MarathonAppState], hosts: Collection[str]) -> list[tuple[str, str]]:
    """``(service, instance)`` of the apps with a task on one of ``hosts`` (sorted, once each)."""
    found: set[tuple[str, str]] = set()
    for app in apps:
        if not any(task.host in hosts for task in app.tasks):
            continue
        try:
            job = deformat_job_id(app.id)
        except InvalidJobNameError:  # an app that is not PaaSTA's
            continue
        if job.service and job.instance:
            found.add((job.service, job.instance))
    return sorted(found)
