"""The ``paasta status`` fetcher of Chronos instances: each cluster's Chronos job list, graph and Mesos state,
read once per cluster and turned into a ChronosInstanceStatus by ``paasta_tools.status.chronos``.
"""

from __future__ import annotations

from typing import Any

from paasta_tools.status.chronos import ChronosInstanceStatus, TaskOutput, build_chronos_status, tail_lines_for


def fetch_chronos_status(ctx: Any, cluster: str, instance: str, cache: dict[str, Any]) -> ChronosInstanceStatus:
    """The ChronosInstanceStatus of one deployed instance (``ctx`` is the status command's StatusContext)."""
    import dataclasses

    from paasta_tools.config.loader import build_instance_config
    from paasta_tools.operations.cluster_state import chronos_cluster_data

    data = chronos_cluster_data(ctx.system, cluster, cache)
    config = build_instance_config(ctx.files, "chronos", cluster, instance)
    config = dataclasses.replace(config, branch_dict=ctx.deployments.get_branch_dict(ctx.service, config.get_branch()))
    status = build_chronos_status(
        config, data["jobs"], data["graph"], data["mesos_state"], ctx.now, data["mesos_error"]
    )
    lines = tail_lines_for(ctx.verbose)
    if lines == 0:
        return status
    jobs = tuple(
        dataclasses.replace(job, outputs=task_outputs(data["mesos_state"], [t.task_id for t in job.tasks], lines))
        for job in status.jobs
    )
    return dataclasses.replace(status, jobs=jobs)


def _sandboxes(mesos_state: dict[str, Any] | None) -> dict[str, tuple[Any, str]]:
    """``{task id: (agent client, sandbox directory)}`` over the agents that answer."""
    from paasta_tools.clients.mesos import MesosAgentClient, agent_url_from_pid, sandbox_directories
    from paasta_tools.errors import PaastaError

    found: dict[str, tuple[Any, str]] = {}
    for slave in (mesos_state or {}).get("slaves") or ():
        try:
            agent = MesosAgentClient(agent_url_from_pid(str(slave.get("pid") or "")))
            directories = sandbox_directories(agent.agent_state())
        except PaastaError:
            continue  # that agent's tasks get "no sandbox" below
        found.update({task: (agent, directory) for task, directory in directories.items()})
    return found


def task_outputs(mesos_state: dict[str, Any] | None, task_ids: list[str], lines: int) -> tuple[TaskOutput, ...]:
    """The stdout/stderr tails of ``task_ids`` from their agents' sandboxes (an error per task otherwise)."""
    from paasta_tools.errors import PaastaError

    sandboxes = _sandboxes(mesos_state) if task_ids else {}
    outputs = []
    for task_id in task_ids:
        if task_id not in sandboxes:
            outputs.append(TaskOutput(task_id, error="no agent has a sandbox for this task"))
            continue
        agent, directory = sandboxes[task_id]
        try:
            stdout, stderr = (tuple(agent.tail(f"{directory}/{name}", lines)) for name in ("stdout", "stderr"))
        except PaastaError as exc:
            outputs.append(TaskOutput(task_id, error=str(exc)))
            continue
        outputs.append(TaskOutput(task_id, stdout, stderr))
    return tuple(outputs)
