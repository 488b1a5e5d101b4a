"""The simulated Marathon health check of a local-run container: what to check and how attempts count.

The target comes from the instance (``healthcheck_mode``, else the smartstack namespace's mode) and
the published port; only long-running (Marathon) instances have one.  :class:`HealthcheckProgress`
is the pure bookkeeping of the check loop: failures inside the grace period are disregarded, after it
each failure is an attempt, and the loop gives up after ``max_consecutive_failures`` attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.config.long_running_config import LongRunningServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig

LOCAL_HOST = "127.0.0.1"


@dataclass(frozen=True)
class HealthcheckTarget:
    """``mode`` is http, https, tcp or cmd; ``data`` a URL for the first three, a shell command for cmd."""

    mode: str
    data: str


@dataclass(frozen=True)
class HealthcheckPolicy:
    """Marathon's health-check thresholds of the instance."""

    grace_period_seconds: float
    interval_seconds: float
    timeout_seconds: float
    max_consecutive_failures: int


def healthcheck_target(
    config: InstanceConfig, namespace_config: ServiceNamespaceConfig, port: int, host: str = LOCAL_HOST
) -> HealthcheckTarget | None:
    """The check local-run performs for the instance, or None when it has no health check.

    The port is published on 127.0.0.1 only, so URLs name that address rather than the host's fqdn.
    """
    if not isinstance(config, LongRunningServiceConfig):
        return None
    mode = config.get_healthcheck_mode(namespace_config)
    if mode in ("http", "https"):
        uri = config.get_healthcheck_uri(namespace_config)
        return HealthcheckTarget(mode, f"{mode}://{host}:{port}{uri}")
    if mode == "tcp":
        return HealthcheckTarget(mode, f"tcp://{host}:{port}")
    if mode == "cmd":
        return HealthcheckTarget(mode, config.get_healthcheck_cmd())
    return None


def healthcheck_policy(config: LongRunningServiceConfig) -> HealthcheckPolicy:
    """The thresholds the simulated check uses (the same getters as the Marathon app's health check)."""
    return HealthcheckPolicy(
        grace_period_seconds=config.get_healthcheck_grace_period_seconds(),
        interval_seconds=config.get_healthcheck_interval_seconds(),
        timeout_seconds=config.get_healthcheck_timeout_seconds(),
        max_consecutive_failures=config.get_healthcheck_max_consecutive_failures(),
    )


class Verdict(Enum):
    PASSED = "passed"
    FAILED = "failed"
    CONTINUE = "continue"


class LineColor(Enum):
    GREEN = "green"
    GREY = "grey"
    RED = "red"
    YELLOW = "yellow"


@dataclass(frozen=True)
class ReportLine:
    """One line to print: a coloured prefix followed by plain text."""

    colored: str
    color: LineColor
    plain: str = ""


@dataclass(frozen=True)
class HealthcheckProgress:
    """State of the check loop: attempts counted after the grace period."""

    policy: HealthcheckPolicy
    link: str
    attempts: int = 0

    def starting_line(self) -> str:
        return (
            f"\nStarting health check via {self.link} (waiting {self.policy.grace_period_seconds:g} seconds "
            "before considering failures due to grace period):"
        )

    def record(self, passed: bool, output: str, elapsed: float) -> tuple[HealthcheckProgress, ReportLine, Verdict]:
        """Account one check result observed ``elapsed`` seconds after the container started."""
        if passed:
            line = ReportLine("Healthcheck succeeded!: ", LineColor.GREEN, f"'{output}' (via {self.link})")
            return self, line, Verdict.PASSED
        extra = f" (via: {self.link}. Output: {output})"
        if elapsed < self.policy.grace_period_seconds:
            return (
                self,
                ReportLine("Healthcheck failed! (disregarded due to grace period)", LineColor.GREY, extra),
                (Verdict.CONTINUE),
            )
        progress = replace(self, attempts=self.attempts + 1)
        message = f"Healthcheck failed! (Attempt {progress.attempts} of {self.policy.max_consecutive_failures})"
        verdict = Verdict.FAILED if progress.attempts >= self.policy.max_consecutive_failures else Verdict.CONTINUE
        return progress, ReportLine(message, LineColor.RED, extra), verdict


def http_result(status_code: int, content_type: str | None) -> tuple[bool, str]:
    """Marathon's verdict on an HTTP answer: 200-399 passes, unless several content types were sent."""
    if content_type is not None and "," in content_type:
        return False, (
            f"http request succeeded, code {status_code}, but multiple content-type headers were detected in "
            "the response. The Mesos healthcheck system will treat this as a failure!"
        )
    if 200 <= status_code < 400:
        return True, f"http request succeeded, code {status_code}"
    return False, f"http request failed, code {status_code}"
