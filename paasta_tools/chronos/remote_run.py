"""``paasta remote-run``: an instance (the adhoc ``remote`` unless ``-i`` names another) run once on a cluster
as a temporary Chronos job.

Upstream SSHed to a master that launched the task through a temporary Mesos framework; we have no scheduler
API of our own, so the run is a one-shot Chronos job built like a ``paasta rerun`` copy: named
``tmp-<UTC timestamp> <service> <instance>`` (so cleanup_chronos_jobs removes it if nobody else does), scheduled
``R1//PT1M`` (once, now), no parents, no retries, ``paasta remote-run`` in its description.  This module is pure:
choosing the instance, parsing ``-X`` constraints, building the job, finding its Mesos task in a master state,
and the events a run reports with their text.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.chronos.job_dict import JobSystemConfig, format_chronos_job_dict
from paasta_tools.chronos.job_name import compose_job_id, compose_tmp_job_id, tmp_prefix_at
from paasta_tools.chronos.rerun import RUN_ONCE_NOW
from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.instance_config import InstanceConfig
from paasta_tools.errors import RemoteRunError
from paasta_tools.mesos_task_states import TERMINAL_STATES
from paasta_tools.status.chronos import job_of_task_id

DEFAULT_INSTANCE = "remote"
DESCRIPTION_PREFIX = "paasta remote-run"
CONSTRAINT_FLAG = "-X/--constraint"
# Chronos applies these three; unknown operators it silently drops.
CHRONOS_OPERATORS = ("EQUALS", "LIKE", "UNLIKE")
# Marathon-style operators upstream accepted too: one task always satisfies them, so they add nothing to the job.
SINGLE_TASK_OPERATORS = ("UNIQUE", "MAX_PER")
OPERATORS = CHRONOS_OPERATORS + SINGLE_TASK_OPERATORS
RUNNING = "TASK_RUNNING"
FINISHED = "TASK_FINISHED"


@dataclass(frozen=True)
class Constraint:
    """One ``-X attr,OP[,value]``."""

    attribute: str
    operator: str
    value: str | None = None

    def as_chronos(self) -> list[str] | None:
        """``[attr, OP, value]`` for Chronos, or None for an operator a single task always satisfies."""
        if self.operator not in CHRONOS_OPERATORS:
            return None
        return [self.attribute, self.operator, str(self.value)]


def _bad_constraint(text: str, why: str) -> RemoteRunError:
    return RemoteRunError(
        f"{CONSTRAINT_FLAG} {text!r}: {why}; write attr,OP[,value] with OP one of {', '.join(OPERATORS)}, "
        "e.g. -X pool,EQUALS,default"
    )


def _check_value(text: str, operator: str, value: str | None) -> None:
    if operator == "UNIQUE":
        if value is not None:
            raise _bad_constraint(text, "UNIQUE takes no value")
        return
    if value is None or value == "":
        raise _bad_constraint(text, f"{operator} needs a value")
    if operator == "MAX_PER" and not (value.isdigit() and int(value) > 0):
        raise _bad_constraint(text, f"MAX_PER needs a positive integer, not {value!r}")
    if operator in ("LIKE", "UNLIKE"):
        try:
            re.compile(value)
        except re.error as exc:
            raise _bad_constraint(text, f"{value!r} is not a regular expression ({exc})") from None


def parse_constraint(text: str) -> Constraint:
    """``attr,OP[,value]`` as a Constraint; RemoteRunError naming the flag and the value when malformed."""
    parts = text.split(",", 2)
    if len(parts) < 2 or not parts[0].strip():
        raise _bad_constraint(text, "expected an attribute and an operator separated by a comma")
    attribute, operator = parts[0].strip(), parts[1].strip().upper()
    if operator not in OPERATORS:
        raise _bad_constraint(text, f"unknown operator {parts[1].strip()!r}")
    value = parts[2].strip() if len(parts) == 3 else None
    _check_value(text, operator, value)
    return Constraint(attribute, operator, value)


def parse_constraints(texts: Sequence[str]) -> tuple[Constraint, ...]:
    """Every ``-X`` value parsed, in order."""
    return tuple(parse_constraint(text) for text in texts)


def choose_instance(
    requested: str | None, instances: Mapping[str, Sequence[str]], service: str, cluster: str
) -> tuple[str, str]:
    """``(instance type, instance)`` to run: ``requested``, which may name any marathon, chronos or adhoc instance
    (``instances`` maps each type to its instances in the cluster, marathon first, as upstream looked them up),
    else the adhoc instance ``remote``; RemoteRunError listing the instances otherwise."""
    if requested is not None:
        for instance_type, names in instances.items():
            if requested in names:
                return instance_type, requested
        listing = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in instances.items() if names) or "none"
        raise RemoteRunError(
            f"{service} has no instance {requested!r} in cluster {cluster} (-i/--instance); "
            f"its instances there: {listing}"
        )
    adhoc = list(instances.get("adhoc") or ())
    if DEFAULT_INSTANCE in adhoc:
        return "adhoc", DEFAULT_INSTANCE
    if not adhoc:
        raise RemoteRunError(
            f"{service} has no adhoc instances in cluster {cluster} (adhoc-{cluster}.yaml; -c/--cluster); "
            "name the instance to run with -i/--instance"
        )
    raise RemoteRunError(
        f"adhoc-{cluster}.yaml of {service} has no instance named {DEFAULT_INSTANCE!r}; "
        f"pick one with -i/--instance: {', '.join(adhoc)}"
    )


@dataclass(frozen=True)
class RemoteRunJobConfig(AdhocJobConfig, ChronosJobConfig):
    """An instance seen as a one-shot Chronos job: adhoc resource defaults for an adhoc instance, and its own
    ``<source_type>-<cluster>.yaml`` in messages."""

    source_type: str = "adhoc"

    @property  # type: ignore[override]
    def instance_type(self) -> str:  # the messages of the config and of the job builder name the source file
        return self.source_type

    def is_interactive(self) -> bool:
        return self.source_type == "adhoc" and super().is_interactive()


def _command_dict(config: InstanceConfig, cmd: str | None) -> dict[str, Any]:
    """The config dict with the command to run, ``%`` escaped so the job builder's interpolation keeps it verbatim."""
    config_dict = dict(config.config_dict)
    if cmd is not None:
        config_dict.pop("args", None)
        config_dict["cmd"] = cmd
    command = config_dict.get("cmd")
    where = f"{config.instance_type}-{config.cluster}.yaml, instance {config.instance!r}"
    if command is None:
        raise RemoteRunError(f"{where} has no 'cmd' to run: give one with -C/--cmd or add cmd to the instance")
    if not isinstance(command, str):
        raise RemoteRunError(f"{where}, key 'cmd': not a string")
    config_dict["cmd"] = command.replace("%", "%%")
    return config_dict


def remote_run_config(config: InstanceConfig, now: datetime.datetime, cmd: str | None = None) -> RemoteRunJobConfig:
    """``config`` as a job that runs once at ``now`` (UTC): no parents, no retries, ``cmd`` (``-C``) when given."""
    config_dict = _command_dict(config, cmd)
    for key in ("parents", "schedule_time_zone", "disabled"):
        config_dict.pop(key, None)
    start = now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    config_dict.update(schedule=f"R1/{start}/PT1M", retries=0)
    return RemoteRunJobConfig(
        service=config.service,
        cluster=config.cluster,
        instance=config.instance,
        config_dict=config_dict,
        branch_dict=config.branch_dict,
        soa_dir=config.soa_dir,
        source_type=config.instance_type,
    )


def build_remote_run_job(
    config: InstanceConfig,
    system: JobSystemConfig,
    owner: str | None,
    now: datetime.datetime,
    cmd: str | None = None,
    constraints: Sequence[Constraint] = (),
) -> dict[str, Any]:
    """The temporary Chronos job of one remote run (``now``, UTC, names it; naive means UTC).

    Built by the Chronos job builder from the adhoc config; ``-X`` constraints are appended to the
    calculated ones.  Raises NoDockerImageError without an image, ConfigError for a bad config.
    """
    now = now if now.tzinfo else now.replace(tzinfo=datetime.UTC)
    chronos_config = remote_run_config(config, now, cmd)
    job = format_chronos_job_dict(chronos_config, system, owner, now.replace(tzinfo=None))
    # As a rerun copy: the builder validates schedules with a start; Chronos takes an empty one as "now".
    job["schedule"] = RUN_ONCE_NOW
    job["name"] = compose_tmp_job_id(tmp_prefix_at(now), compose_job_id(config.service, config.instance))
    job["disabled"] = False  # asked for by hand: a stopped instance runs anyway
    job["constraints"] = job["constraints"] + [c for c in (x.as_chronos() for x in constraints) if c]
    job["description"] = f"{DESCRIPTION_PREFIX} of {config.service}.{config.instance}"
    return job


# --- following the run ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobTask:
    """The Mesos task of a job: its id, state, agent id and the agent's pid (``slave(1)@host:port``)."""

    task_id: str
    state: str
    slave_id: str
    agent_pid: str | None
    hostname: str | None

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES


def _task_start(task: Mapping[str, Any]) -> float:
    stamps = [s.get("timestamp") for s in task.get("statuses") or () if isinstance(s.get("timestamp"), int | float)]
    return min(stamps) if stamps else 0.0


def find_job_task(state: Mapping[str, Any], job_name: str) -> JobTask | None:
    """The newest Mesos task of Chronos job ``job_name`` in a master ``/master/state``, or None."""
    found = []
    for framework in state.get("frameworks") or ():
        for task in [*(framework.get("tasks") or ()), *(framework.get("completed_tasks") or ())]:
            if job_of_task_id(str(task.get("id") or "")) == job_name:
                found.append(task)
    if not found:
        return None
    task = max(found, key=_task_start)
    slave_id = str(task.get("slave_id") or "")
    slave = next((s for s in state.get("slaves") or () if str(s.get("id")) == slave_id), {})
    return JobTask(str(task["id"]), str(task.get("state") or ""), slave_id, slave.get("pid"), slave.get("hostname"))


# --- what a run reports ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSubmitted:
    job_name: str
    service: str
    instance: str
    cluster: str
    chronos_url: str


@dataclass(frozen=True)
class TaskStateChanged:
    task_id: str
    state: str
    hostname: str | None


@dataclass(frozen=True)
class TaskOutput:
    """A chunk of the task's ``stdout`` or ``stderr`` as read from its sandbox."""

    stream: str
    data: str


@dataclass(frozen=True)
class Notice:
    """Something worth telling that does not stop the run (a sandbox that cannot be read, -v details)."""

    text: str
    verbose: bool = False


@dataclass(frozen=True)
class JobDeleted:
    job_name: str


RunEvent = JobSubmitted | TaskStateChanged | TaskOutput | Notice | JobDeleted


def describe_event(event: RunEvent) -> str:
    """The line printed for an event other than TaskOutput (whose data is printed as it is)."""
    if isinstance(event, JobSubmitted):
        return (
            f"Running {event.service}.{event.instance} on cluster {event.cluster} as the temporary Chronos job "
            f"'{event.job_name}' ({event.chronos_url})"
        )
    if isinstance(event, TaskStateChanged):
        where = f" on {event.hostname}" if event.hostname else ""
        return f"Task {event.task_id}: {event.state}{where}"
    if isinstance(event, JobDeleted):
        return f"Deleted the temporary job '{event.job_name}'"
    if isinstance(event, Notice):
        return event.text
    raise TypeError(f"no text for {type(event).__name__}")


def staging_timeout_message(job_name: str, cluster: str, timeout: float) -> str:
    """Why a run stopped: its task did not reach TASK_RUNNING within the staging timeout."""
    return (
        f"The task of job '{job_name}' did not start running on cluster {cluster} within {timeout:g}s "
        "(-t/--staging-timeout); killed it and deleted the job. Are the cluster's agents busy, or do no agents "
        "match its constraints?"
    )


def lost_task_message(task_id: str, job_name: str, cluster: str) -> str:
    """Why a run stopped: the task it followed is gone from the master state, so how it ended is unknown."""
    return (
        f"The task {task_id} of job '{job_name}' is no longer in the Mesos master state of cluster {cluster}, so "
        "how it ended is unknown (did the master fail over?); killed it and deleted the job."
    )
