"""Marathon health checks of an instance (§4.5).

Mode http -> one HTTP check on ``portIndex`` 0 at the healthcheck uri; tcp ->
the same without a path; cmd -> a COMMAND check (no port); no mode -> no
checks, so Marathon relies on the task state.  The thresholds are *not*
SmartStack's, so a slow service is not killed in a feedback loop.
"""

from __future__ import annotations

from typing import Any

from paasta_tools.config.long_running_config import LongRunningServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig
from paasta_tools.errors import InvalidHealthcheckModeError


def _thresholds(config: LongRunningServiceConfig) -> dict[str, Any]:
    return {
        "gracePeriodSeconds": config.get_healthcheck_grace_period_seconds(),
        "intervalSeconds": config.get_healthcheck_interval_seconds(),
        "timeoutSeconds": config.get_healthcheck_timeout_seconds(),
        "maxConsecutiveFailures": config.get_healthcheck_max_consecutive_failures(),
    }


def get_healthchecks(
    config: LongRunningServiceConfig, service_namespace_config: ServiceNamespaceConfig
) -> list[dict[str, Any]]:
    """The ``health_checks`` list of the app dict for the instance's mode."""
    mode = config.get_healthcheck_mode(service_namespace_config)
    if mode is None:
        return []
    check: dict[str, Any]
    if mode == "http":
        check = {"protocol": "HTTP", "path": config.get_healthcheck_uri(service_namespace_config), "portIndex": 0}
    elif mode == "tcp":
        check = {"protocol": "TCP", "portIndex": 0}
    elif mode == "cmd":
        check = {"protocol": "COMMAND", "command": {"value": config.get_healthcheck_cmd()}}
    else:
        raise InvalidHealthcheckModeError(
            f"{config.service}.{config.instance}: unknown healthcheck mode {mode!r} "
            f"(from healthcheck_mode or smartstack.yaml 'mode'); Marathon supports http, tcp, cmd"
        )
    check.update(_thresholds(config))
    return [check]
