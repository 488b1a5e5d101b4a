"""A client of paasta-api (``paasta_tools.api``), one per cluster, at the system config's ``api_endpoints[cluster]``.

Every method returns the decoded JSON of one route; failures raise PaastaApiError with the server's
``message`` (and HTTP status) or why no answer came.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from paasta_tools.errors import PaastaApiError, PaastaNotConfiguredError

DEFAULT_TIMEOUT_S = 30.0


class PaastaApiClient:
    """The routes of paasta-api at ``base_url`` (e.g. ``http://127.0.0.1:5054``)."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_S, session: Any = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        from paasta_tools.clients.marathon_client import user_agent

        url = f"{self.base_url}{path}"
        sender = self._session or requests
        try:
            response = sender.request(method, url, timeout=self.timeout, headers={"User-Agent": user_agent()}, **kwargs)
        except requests.RequestException as exc:
            raise PaastaApiError(f"could not reach paasta-api at {url}: {exc}") from exc
        try:
            document = response.json()
        except ValueError:
            document = None
        if response.status_code >= 400:
            message = document.get("message") if isinstance(document, dict) else None
            text = message or response.text.strip() or response.reason
            raise PaastaApiError(
                f"paasta-api {method} {path} answered {response.status_code}: {text}", response.status_code
            )
        if document is None:
            raise PaastaApiError(f"paasta-api at {url} did not answer JSON")
        return document

    @staticmethod
    def _instance_path(service: str, instance: str) -> str:
        return f"/v1/services/{quote(service, safe='')}/{quote(instance, safe='')}"

    def version(self) -> str:
        return self._request("GET", "/v1/version")

    def list_instances(self, service: str) -> list[str]:
        return list(self._request("GET", f"/v1/services/{quote(service, safe='')}")["instances"])

    def instance_status(self, service: str, instance: str) -> dict[str, Any]:
        """``{service, instance, git_sha, marathon|chronos: {...}}``."""
        return self._request("GET", f"{self._instance_path(service, instance)}/status")

    def instance_tasks(
        self, service: str, instance: str, slave_hostname: str | None = None, verbose: bool = False
    ) -> list[dict[str, Any]]:
        params = {"verbose": "true" if verbose else "false"}
        if slave_hostname:
            params["slave_hostname"] = slave_hostname
        return self._request("GET", f"{self._instance_path(service, instance)}/tasks", params=params)

    def instance_task(self, service: str, instance: str, task_id: str, verbose: bool = False) -> dict[str, Any]:
        path = f"{self._instance_path(service, instance)}/tasks/{quote(task_id, safe='')}"
        return self._request("GET", path, params={"verbose": "true" if verbose else "false"})

    def get_autoscaler_count(self, service: str, instance: str) -> dict[str, Any]:
        return self._request("GET", f"{self._instance_path(service, instance)}/autoscaler")

    def update_autoscaler_count(self, service: str, instance: str, desired_instances: int) -> dict[str, Any]:
        body = {"desired_instances": desired_instances}
        return self._request("POST", f"{self._instance_path(service, instance)}/autoscaler", json=body)


def get_paasta_api_client(cluster: str, system_config: Any, timeout: float = DEFAULT_TIMEOUT_S) -> PaastaApiClient:
    """The client of ``cluster``'s paasta-api; PaastaNotConfiguredError naming the cluster and the key if unset."""
    endpoints = system_config.get_api_endpoints()
    url = endpoints.get(cluster)
    if not url:
        known = ", ".join(sorted(endpoints)) or "none"
        raise PaastaNotConfiguredError(
            f"Could not find api_endpoints.{cluster} in configuration directory: {system_config.directory} "
            f"(clusters with an API endpoint: {known})"
        )
    return PaastaApiClient(str(url), timeout)
