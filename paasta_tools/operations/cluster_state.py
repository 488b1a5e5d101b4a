"""One read per cluster of its scheduler and Mesos master, shared by ``paasta status`` (Marathon and Chronos
instances) and ``paasta wait-for-deployment``.

Each reader keeps its answer in the caller's ``cache`` dict under the scheduler's name, so every instance of
a cluster uses the same read.  A failing scheduler raises and leaves its message in ``cache["cluster_error"]``
(the whole cluster is then reported as failed); a failing Mesos master only sets ``mesos_error``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paasta_tools.errors import PaastaError

API_TIMEOUT_S = 10


def read_once(cache: dict[str, Any], key: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``cache[key]``, filled by ``read()`` the first time; a PaastaError's message goes to ``cluster_error``."""
    if key in cache:
        return cache[key]
    try:
        cache[key] = read()
    except PaastaError as exc:
        cache["cluster_error"] = str(exc)
        raise
    return cache[key]


def mesos_state_or_error(mesos_url: str | None) -> dict[str, Any]:
    """``{"mesos_state": master state or None, "mesos_error": None or why it could not be read}``."""
    from paasta_tools.clients.mesos import MesosMasterClient

    try:
        return {"mesos_state": MesosMasterClient(mesos_url or "", timeout=API_TIMEOUT_S).state(), "mesos_error": None}
    except PaastaError as exc:
        return {"mesos_state": None, "mesos_error": str(exc)}


def marathon_cluster_data(system: Any, service: str, cluster: str, cache: dict[str, Any]) -> dict[str, Any]:
    """``apps`` of ``service`` (tasks embedded), the launch ``queue`` and the Mesos state of ``cluster``."""

    def read() -> dict[str, Any]:
        from marathon.exceptions import MarathonError as ClientError

        from paasta_tools.clients import marathon_client
        from paasta_tools.errors import MarathonError
        from paasta_tools.marathon.job_id import format_job_id

        endpoints = system.get_cluster_endpoints(cluster)
        try:
            client = marathon_client.get_marathon_client_from_config(
                endpoints.marathon_config or {}, timeout=API_TIMEOUT_S
            )
            # The queue first: a launch delay it shows comes from a failure the apps read after it
            # then reports as lastTaskFailure, so "Delayed" never shows without its reason.
            queue = marathon_client.list_queue(client)
            apps = marathon_client.list_app_documents(client, format_job_id(service, ""))
        except ClientError as exc:
            raise MarathonError(f"Marathon of cluster {cluster} failed: {exc}") from exc
        return {"apps": apps, "queue": queue, **mesos_state_or_error(endpoints.mesos_url)}

    return read_once(cache, "marathon", read)


def chronos_cluster_data(system: Any, cluster: str, cache: dict[str, Any]) -> dict[str, Any]:
    """The Chronos ``jobs`` and dependency ``graph`` of ``cluster`` and its Mesos state."""

    def read() -> dict[str, Any]:
        from paasta_tools.clients.chronos_client import get_chronos_client_from_config

        endpoints = system.get_cluster_endpoints(cluster)
        client = get_chronos_client_from_config(endpoints.chronos_config)
        jobs = client.list()
        # Chronos answers an empty body for the graph of no jobs, which chronos-python treats as an error.
        graph = client.scheduler_graph() if jobs else ""
        return {"jobs": jobs, "graph": graph, **mesos_state_or_error(endpoints.mesos_url)}

    return read_once(cache, "chronos", read)
