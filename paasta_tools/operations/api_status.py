"""``paasta status`` in API mode: each instance's status body from its cluster's paasta-api.

``api_answers`` asks ``GET /v1/services/{s}/{i}/status`` of every instance; a failure becomes that
instance's error message (a missing ``api_endpoints`` entry one message for every instance of the cluster).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def api_answers(
    system: Any, cluster: str, service: str, instances: Sequence[str]
) -> list[tuple[str, dict[str, Any] | str]]:
    """``(instance, status body or error message)`` for each of ``instances``."""
    from paasta_tools.clients.paasta_api import get_paasta_api_client
    from paasta_tools.errors import PaastaError

    try:
        client = get_paasta_api_client(cluster, system)
    except PaastaError as exc:
        return [(instance, str(exc)) for instance in instances]
    answers: list[tuple[str, dict[str, Any] | str]] = []
    for instance in instances:
        try:
            answers.append((instance, client.instance_status(service, instance)))
        except PaastaError as exc:
            answers.append((instance, str(exc)))
    return answers
