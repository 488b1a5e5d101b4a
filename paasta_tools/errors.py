"""The exception family of paasta_tools.

Libraries raise these; only entry points (``paasta`` CLI and the standalone
scripts) catch them, print ``str(exc)`` and exit with a named exit code.
Every message is built from data so it names the file, key, flag or field.
"""

from __future__ import annotations


class PaastaError(Exception):
    """Base class of every error paasta_tools raises on purpose."""


class PaastaNotConfiguredError(PaastaError):
    """The system config directory is missing, unreadable or lacks a required key."""


class ConfigError(PaastaError):
    """A soa-configs file is missing, unparseable or invalid."""


class NoConfigurationForServiceError(ConfigError):
    """The service has no configuration for the requested cluster/instance."""


class InvalidInstanceConfig(ConfigError):
    """An instance config has an inconsistent or invalid combination of keys."""


class UnknownServiceError(PaastaError):
    """No directory for the service exists in the soa dir."""


class NoDeploymentsAvailable(PaastaError):
    """deployments.json is missing or holds no entry for the instance."""


class NoDockerImageError(PaastaError):
    """deployments.json holds no docker image for the instance."""


class GitError(PaastaError):
    """A git operation (ls-remote, push of refs) failed."""


class InvalidJobNameError(PaastaError):
    """A Marathon app id or Chronos job name does not decompose into service/instance."""


class InvalidChronosConfigError(ConfigError):
    """A chronos job config cannot become a Chronos job (bad schedule, command, parents)."""


class ChronosError(PaastaError):
    """A Chronos API call failed or Chronos is not configured."""


class RerunError(PaastaError):
    """A rerun of a Chronos job cannot be built (time variables without a date, a cycle)."""


class MarathonError(PaastaError):
    """A Marathon API call failed or Marathon is not configured (``marathon_config``)."""


class InvalidBounceMethodError(ConfigError):
    """A bounce_method name or bounce parameter (bounce_margin_factor) is not valid."""


class InvalidDrainMethodError(ConfigError):
    """A drain_method name or its drain_method_params are not valid."""


class InvalidHealthcheckModeError(InvalidInstanceConfig):
    """healthcheck_mode (or the smartstack mode) is not one of http, tcp, cmd."""


class NoSlavesAvailableError(PaastaError):
    """The deploy black/whitelist leaves no agent (expected_slave_attributes) to run on."""


class DrainError(PaastaError):
    """A drain method's HTTP call (hacheck spool, http drain URL) failed."""


class HaproxyError(PaastaError):
    """A synapse/HAProxy stats CSV could not be fetched or parsed."""


class DemoError(PaastaError):
    """A step of the demo cannot go on: something it needs is missing or did not become ready in time."""


class DevclusterError(PaastaError):
    """The devcluster cannot start, stop or report (busy port, bad data dir, unknown executor)."""


class MesosError(PaastaError):
    """The Mesos master could not be reached or answered something that is not its JSON."""


class DockerImageError(PaastaError):
    """A docker image could not be found, built, pushed or pulled."""


class LocalRunError(PaastaError):
    """``paasta local-run`` cannot run the container (no TTY for interactive mode, lost container, engine error)."""


class SensuError(PaastaError):
    """A Sensu event could not be delivered to the configured sensu_host:sensu_port."""


class DeployGroupError(PaastaError):
    """A deploy group is not used by any instance, or the commit given is not the one marked for it."""


class LogsError(PaastaError):
    """``paasta logs`` cannot read: an unknown component, a bad time or line argument, no log_reader config."""


class FsmError(PaastaError):
    """``paasta fsm`` cannot create the service: a bad name or value, an existing service, no free proxy port."""


class DockerEngineError(PaastaError):
    """The local Docker engine does not answer or refused a call (listing, inspecting, exec in a container)."""


class MaintenanceError(PaastaError):
    """A Mesos maintenance request (schedule, machine up/down, reservation) is invalid or failed."""


class TaskContainerError(PaastaError):
    """The container of an instance's task cannot be used here: no running task, no container, another host."""


class PaastaApiError(PaastaError):
    """A paasta-api request failed: the server refused it, or the client could not get an answer (``status``: HTTP)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RemoteRunError(PaastaError):
    """``paasta remote-run`` cannot build, submit or follow its temporary Chronos job (bad -X, timeout, API error)."""


class AutoscalingError(PaastaError):
    """An instance's ``autoscaling`` settings are invalid, or the autoscaler cannot decide for it."""


class MetricsProviderNoDataError(AutoscalingError):
    """A metrics provider has no utilization to give yet (no healthy task answered, or a first CPU sample)."""


# What building an instance from a config value of the wrong shape (``constraints: 5``, ``cpus: 1e308``)
# may raise before any check names it; loops over many services catch these for the one service.
MALFORMED_VALUE_ERRORS = (TypeError, AttributeError, ValueError, LookupError, ArithmeticError)
