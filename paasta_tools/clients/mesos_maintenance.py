"""The Mesos master's maintenance API over HTTP: schedule, status, machine down/up, (un)reserve.

Every call raises MaintenanceError naming the URL and the master's answer; the documents are built
by the pure ``paasta_tools.maintenance``.  Credentials (``principal``/``secret`` of a mesos-slave
secret file, as upstream used) are sent as HTTP basic auth when given.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from paasta_tools import maintenance
from paasta_tools.errors import MaintenanceError

log = logging.getLogger(__name__)
MAINTENANCE_TIMEOUT_S = 10


def load_credentials(path: str) -> tuple[str, str]:
    """(principal, secret) from a JSON file ``{"principal": ..., "secret": ...}``."""
    try:
        with open(path) as handle:
            data = json.load(handle)
        return str(data["principal"]), str(data["secret"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise MaintenanceError(f"{path} does not hold Mesos credentials (principal and secret): {exc}") from None


class MesosMaintenanceClient:
    """Maintenance calls against one master (``mesos_url`` of the system config)."""

    def __init__(
        self,
        url: str,
        credentials: tuple[str, str] | None = None,
        timeout: float = MAINTENANCE_TIMEOUT_S,
        session: Any = None,
    ) -> None:
        if not url:
            raise MaintenanceError("Mesos is not configured: no mesos_url in the system config for this cluster")
        self.url = url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout
        self._session = session

    @property
    def principal(self) -> str | None:
        return self.credentials[0] if self.credentials else None

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        url = f"{self.url}{path}"
        session = self._session or requests
        try:
            response = session.request(method, url, timeout=self.timeout, auth=self.credentials, **kwargs)
        except requests.RequestException as exc:
            raise MaintenanceError(f"could not reach the Mesos master at {url}: {exc}") from exc
        if response.status_code >= 400:
            raise MaintenanceError(f"the Mesos master at {url} answered HTTP {response.status_code}: {response.text}")
        return response

    def _get_json(self, path: str) -> dict[str, Any]:
        response = self._request("GET", path)
        try:
            document = response.json()
        except ValueError:
            raise MaintenanceError(f"the Mesos master at {self.url}{path} did not answer JSON") from None
        if not isinstance(document, dict):
            raise MaintenanceError(f"the Mesos master at {self.url}{path} answered a JSON {type(document).__name__}")
        return document

    def raw_text(self, path: str) -> str:
        """The master's answer to ``GET path`` as it sent it (what upstream printed for status/schedule)."""
        return str(self._request("GET", path).text)

    def schedule(self) -> dict[str, Any]:
        """``GET /master/maintenance/schedule`` (``{}`` when nothing is scheduled)."""
        return self._get_json("/master/maintenance/schedule")

    def status(self) -> dict[str, Any]:
        """``GET /master/maintenance/status``: ``draining_machines`` and ``down_machines``."""
        return self._get_json("/master/maintenance/status")

    def state(self) -> dict[str, Any]:
        return self._get_json("/master/state")

    def post_schedule(self, schedule: dict[str, Any]) -> None:
        self._request("POST", "/master/maintenance/schedule", data=json.dumps(schedule))

    def machines_down(self, machines: Sequence[maintenance.MachineId]) -> None:
        self._request("POST", "/master/machine/down", data=json.dumps([m.as_json() for m in machines]))

    def machines_up(self, machines: Sequence[maintenance.MachineId]) -> None:
        self._request("POST", "/master/machine/up", data=json.dumps([m.as_json() for m in machines]))

    def _reservation_call(self, path: str, reservation: maintenance.Reservation) -> None:
        resources = maintenance.reservation_resources(reservation.amounts, self.principal)
        self._request("POST", path, data={"slaveId": reservation.slave_id, "resources": json.dumps(resources)})

    def reserve(self, reservation: maintenance.Reservation) -> None:
        log.info("Dynamically reserving resources on %s: %s", reservation.slave_id, reservation.amounts)
        self._reservation_call("/master/reserve", reservation)

    def unreserve(self, reservation: maintenance.Reservation) -> None:
        log.info("Dynamically unreserving resources on %s: %s", reservation.slave_id, reservation.amounts)
        self._reservation_call("/master/unreserve", reservation)

    def reserve_all_resources(self, hostnames: Iterable[str]) -> None:
        """Reserve every free cpu, mem and disk of the agents on ``hostnames`` for the maintenance role."""
        for reservation in maintenance.free_resources_reservations(self.state(), hostnames):
            if any(amount > 0 for _, amount in reservation.amounts):
                self.reserve(reservation)

    def unreserve_all_resources(self, hostnames: Iterable[str]) -> None:
        """Give back what the maintenance role holds on the agents of ``hostnames``."""
        for reservation in maintenance.maintenance_reservations(self.state(), hostnames):
            self.unreserve(reservation)

    def drain(self, machines: Sequence[maintenance.MachineId], start: int, duration: int) -> None:
        """Reserve the hosts' free resources (failure only logged) and schedule their maintenance window."""
        try:
            self.reserve_all_resources(m.hostname for m in machines)
        except MaintenanceError as exc:
            log.warning("Failed to reserve resources, will continue to drain: %s", exc)
        self.post_schedule(maintenance.drain_schedule(self.schedule(), machines, start, duration))

    def undrain(self, machines: Sequence[maintenance.MachineId]) -> None:
        """Unreserve the hosts' maintenance resources (failure only logged) and take them off the schedule."""
        try:
            self.unreserve_all_resources(m.hostname for m in machines)
        except MaintenanceError as exc:
            log.warning("Failed to unreserve resources, will continue to undrain: %s", exc)
        self.post_schedule(maintenance.undrain_schedule(self.schedule(), machines))


def maintenance_client_from_config(system_config: Any, credentials_file: str | None = None) -> MesosMaintenanceClient:
    """The client of the local cluster's master (``mesos_url``), with credentials when a file is named."""
    credentials = load_credentials(credentials_file) if credentials_file else None
    return MesosMaintenanceClient(system_config.get("mesos_url") or "", credentials)
