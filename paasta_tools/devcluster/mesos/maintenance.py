"""Mesos 1.x maintenance primitives of the devcluster master: schedule, status, machine down/up, reservations.

State is kept in ``cluster.store`` (kind ``maintenance``): the schedule, the machines that are DOWN
and the dynamic reservations of the single agent per role.  The Marathon engine asks
:func:`machine_is_down` and :func:`reserved_scalars` before launching (a DOWN machine runs nothing,
reserved resources are not offered to the ``*`` role).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from paasta_tools.devcluster.cluster import Cluster

KIND = "maintenance"
SCALARS = ("cpus", "mem", "disk", "gpus")


class InvalidRequest(Exception):
    """A request the real master answers with 400 Bad Request; the message is its body."""


class Conflict(Exception):
    """A reservation the agent's resources cannot satisfy (409 Conflict)."""


def _machine_key(machine: Mapping[str, Any]) -> tuple[str, str]:
    return (str(machine.get("hostname") or "").lower(), str(machine.get("ip") or ""))


def _machine_json(machine: Mapping[str, Any]) -> dict[str, str]:
    """A MachineID as Mesos serialises it: absent fields left out, hostnames lower-cased."""
    document = {}
    if machine.get("hostname"):
        document["hostname"] = str(machine["hostname"]).lower()
    if machine.get("ip"):
        document["ip"] = str(machine["ip"])
    return document


def _describe(machine: Mapping[str, Any]) -> str:
    return f"{machine.get('hostname') or ''} ({machine.get('ip') or ''})"


def parse_machine_ids(document: Any) -> list[dict[str, str]]:
    """A JSON list of MachineIDs (the body of ``/machine/down`` and ``/machine/up``)."""
    if not isinstance(document, list) or not all(isinstance(m, Mapping) for m in document):
        raise InvalidRequest("Failed to convert JSON into a MachineIDs protobuf: Expecting a JSON array of objects")
    machines = [_machine_json(m) for m in document]
    for machine in machines:
        if not machine:
            raise InvalidRequest("Both 'hostname' and 'ip' for a machine are empty")
    return machines


def _parse_unavailability(window: Mapping[str, Any]) -> dict[str, Any]:
    unavailability = window.get("unavailability")
    start = (unavailability or {}).get("start") if isinstance(unavailability, Mapping) else None
    if not isinstance(start, Mapping) or not isinstance(start.get("nanoseconds"), int):
        raise InvalidRequest("Failed to convert JSON into a Schedule protobuf: Missing required fields: start")
    parsed: dict[str, Any] = {"start": {"nanoseconds": start["nanoseconds"]}}
    duration = unavailability.get("duration")
    if duration is not None:
        if not isinstance(duration, Mapping) or not isinstance(duration.get("nanoseconds"), int):
            raise InvalidRequest("Failed to convert JSON into a Schedule protobuf: Missing required fields: duration")
        if duration["nanoseconds"] < 0:
            raise InvalidRequest("Unavailability 'duration' is negative")
        parsed["duration"] = {"nanoseconds": duration["nanoseconds"]}
    return parsed


def parse_schedule(document: Any) -> dict[str, Any]:
    """Validate a maintenance Schedule as the master does; each machine may appear once."""
    if not isinstance(document, Mapping) or not isinstance(document.get("windows", []), list):
        raise InvalidRequest("Failed to convert JSON into a Schedule protobuf: Expecting a JSON object")
    windows, seen = [], set()
    for window in document.get("windows", []):
        if not isinstance(window, Mapping):
            raise InvalidRequest("Failed to convert JSON into a Schedule protobuf: Expecting a JSON object")
        machines = parse_machine_ids(window.get("machine_ids") or [])
        if not machines:
            raise InvalidRequest("List of machines in the maintenance window is empty")
        for machine in machines:
            if _machine_key(machine) in seen:
                raise InvalidRequest(f"Machine '{_describe(machine)}' appears more than once in the schedule")
            seen.add(_machine_key(machine))
        windows.append({"machine_ids": machines, "unavailability": _parse_unavailability(window)})
    return {"windows": windows} if windows else {}


class Maintenance:
    """The maintenance state of a devcluster, persisted in its store."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.store = cluster.store

    def schedule(self) -> dict[str, Any]:
        return self.store.get(KIND, "schedule") or {}

    def down(self) -> list[dict[str, str]]:
        return list(self.store.get(KIND, "down") or [])

    def reservations(self) -> dict[str, dict[str, float]]:
        return dict(self.store.get(KIND, "reservations") or {})

    def scheduled_machines(self) -> list[dict[str, str]]:
        return [m for window in self.schedule().get("windows", []) for m in window["machine_ids"]]

    def set_schedule(self, schedule: dict[str, Any]) -> None:
        keys = {_machine_key(m) for window in schedule.get("windows", []) for m in window["machine_ids"]}
        for machine in self.down():
            if _machine_key(machine) not in keys:
                raise InvalidRequest(
                    f"Machine '{_describe(machine)}' is deactivated and cannot be removed from the schedule"
                )
        self.store.put(KIND, "schedule", schedule)

    def status(self) -> dict[str, Any]:
        """``/master/maintenance/status``: scheduled machines not down are draining.

        No framework answers inverse offers here, so a draining machine has no ``statuses`` (an empty
        repeated field, which Mesos' protobuf-to-JSON leaves out, as it leaves out empty lists here).
        """
        down_keys = {_machine_key(m) for m in self.down()}
        draining = [{"id": m} for m in self.scheduled_machines() if _machine_key(m) not in down_keys]
        document: dict[str, Any] = {}
        if draining:
            document["draining_machines"] = draining
        if self.down():
            document["down_machines"] = self.down()
        return document

    def machine_down(self, machines: list[dict[str, str]]) -> None:
        scheduled = {_machine_key(m) for m in self.scheduled_machines()}
        down = {_machine_key(m) for m in self.down()}
        for machine in machines:
            if _machine_key(machine) not in scheduled:
                raise InvalidRequest(f"Machine '{_describe(machine)}' is not part of a maintenance schedule")
            if _machine_key(machine) in down:
                raise InvalidRequest(
                    f"Machine '{_describe(machine)}' is not in DRAINING mode and cannot be brought down"
                )
        self.store.put(KIND, "down", self.down() + machines)

    def machine_up(self, machines: list[dict[str, str]]) -> None:
        """Bring DOWN machines back; like Mesos, they also leave the schedule."""
        down = {_machine_key(m) for m in self.down()}
        for machine in machines:
            if _machine_key(machine) not in down:
                raise InvalidRequest(f"Machine '{_describe(machine)}' is not in DOWN mode and cannot be brought up")
        leaving = {_machine_key(m) for m in machines}
        with self.store.transaction():
            self.store.put(KIND, "down", [m for m in self.down() if _machine_key(m) not in leaving])
            windows = []
            for window in self.schedule().get("windows", []):
                kept = [m for m in window["machine_ids"] if _machine_key(m) not in leaving]
                if kept:
                    windows.append({**window, "machine_ids": kept})
            self.store.put(KIND, "schedule", {"windows": windows} if windows else {})

    def agent_machine_matches(self, machine: Mapping[str, Any]) -> bool:
        agent = self.cluster.agent
        hostname, ip = machine.get("hostname"), machine.get("ip")
        if hostname and str(hostname).lower() != agent.hostname.lower():
            return False
        return bool(hostname) or ip in (agent.hostname, "127.0.0.1")

    def agent_is_down(self) -> bool:
        return any(self.agent_machine_matches(m) for m in self.down())

    def reserve(self, amounts: dict[str, dict[str, float]], free: Mapping[str, float]) -> None:
        """Add ``amounts`` ({role: {scalar: value}}) if the agent's unreserved, unused resources cover them."""
        wanted = {name: sum(r.get(name, 0.0) for r in amounts.values()) for name in SCALARS}
        for name, value in wanted.items():
            if value > free.get(name, 0.0) + 1e-9:
                raise Conflict(f"Invalid RESERVE Operation: {free.get(name, 0.0)} {name} available, {value} requested")
        reservations = self.reservations()
        for role, scalars in amounts.items():
            held = reservations.setdefault(role, {})
            for name, value in scalars.items():
                held[name] = held.get(name, 0.0) + value
        self.store.put(KIND, "reservations", reservations)

    def unreserve(self, amounts: dict[str, dict[str, float]]) -> None:
        reservations = self.reservations()
        for role, scalars in amounts.items():
            held = reservations.get(role, {})
            for name, value in scalars.items():
                if value > held.get(name, 0.0) + 1e-9:
                    raise Conflict(
                        f"Invalid UNRESERVE Operation: {held.get(name, 0.0)} {name} reserved "
                        f"for role '{role}', {value} requested"
                    )
        for role, scalars in amounts.items():
            held = reservations[role]
            for name, value in scalars.items():
                held[name] = max(held.get(name, 0.0) - value, 0.0)
            if not any(v > 1e-9 for v in held.values()):
                del reservations[role]
        self.store.put(KIND, "reservations", reservations)


MACHINE_DOWN_CAUSE = "Operator initiated 'Machine DOWN'"


def agent_removed_message(cluster: Cluster) -> str:
    """The message of the TASK_LOST updates Mesos sends for the tasks of an agent removed by machine/down."""
    return f"Slave {cluster.agent.hostname} removed: {MACHINE_DOWN_CAUSE}"


def machine_is_down(cluster: Cluster) -> bool:
    """Whether the agent's machine is DOWN for maintenance (it runs no task)."""
    return Maintenance(cluster).agent_is_down()


def reserved_scalars(cluster: Cluster) -> dict[str, float]:
    """Every role's dynamic reservations on the agent, summed per scalar (not offered to Marathon)."""
    totals = {name: 0.0 for name in SCALARS}
    for scalars in Maintenance(cluster).reservations().values():
        for name, value in scalars.items():
            totals[name] = totals.get(name, 0.0) + float(value)
    return totals


def parse_reservation(form: Mapping[str, str], agent_id: str) -> dict[str, dict[str, float]]:
    """``slaveId`` and ``resources`` (a JSON list of SCALAR Resources with a role) of /reserve, /unreserve."""
    slave_id = form.get("slaveId")
    if not slave_id:
        raise InvalidRequest("Missing 'slaveId' query parameter in the request body")
    if slave_id != agent_id:
        raise InvalidRequest(f"No agent found with specified ID: {slave_id}")
    if "resources" not in form:
        raise InvalidRequest("Missing 'resources' query parameter in the request body")
    try:
        resources = json.loads(form["resources"])
    except ValueError as exc:
        raise InvalidRequest(f"Error in parsing 'resources' query parameter: {exc}") from None
    if not isinstance(resources, list):
        raise InvalidRequest("Error in parsing 'resources' query parameter: Expecting a JSON array")
    amounts: dict[str, dict[str, float]] = {}
    for resource in resources:
        if not isinstance(resource, Mapping) or not isinstance(resource.get("name"), str):
            raise InvalidRequest("Error in parsing 'resources' query parameter: Missing required fields: name")
        role = resource.get("role")
        if not role or role == "*":
            raise InvalidRequest("Invalid RESERVE Operation: Resources must be dynamically reserved for a role")
        value = (resource.get("scalar") or {}).get("value")
        if resource.get("type", "SCALAR") != "SCALAR" or not isinstance(value, (int, float)) or value < 0:
            raise InvalidRequest(f"Invalid resource '{resource.get('name')}': only non-negative SCALAR values")
        held = amounts.setdefault(str(role), {})
        held[resource["name"]] = held.get(resource["name"], 0.0) + float(value)
    return amounts


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError as exc:
        raise InvalidRequest(f"Failed to parse JSON: {exc}") from None


def setup_maintenance_routes(app: web.Application, cluster: Cluster, free_resources: Any) -> None:
    """Add the maintenance and reservation routes; ``free_resources()`` is the agent's unreserved, unused scalars."""
    maintenance = Maintenance(cluster)

    def guarded(handler: Any) -> Any:
        async def wrapper(request: web.Request) -> web.Response:
            try:
                return await handler(request)
            except InvalidRequest as exc:
                return web.Response(status=400, text=str(exc))
            except Conflict as exc:
                return web.Response(status=409, text=str(exc))

        return wrapper

    async def get_schedule(request: web.Request) -> web.Response:
        return web.json_response(maintenance.schedule())

    async def post_schedule(request: web.Request) -> web.Response:
        maintenance.set_schedule(parse_schedule(await _json_body(request)))
        return web.Response(status=200)

    async def status(request: web.Request) -> web.Response:
        return web.json_response(maintenance.status())

    async def down(request: web.Request) -> web.Response:
        maintenance.machine_down(parse_machine_ids(await _json_body(request)))
        return web.Response(status=200)

    async def up(request: web.Request) -> web.Response:
        maintenance.machine_up(parse_machine_ids(await _json_body(request)))
        return web.Response(status=200)

    async def reserve(request: web.Request) -> web.Response:
        amounts = parse_reservation(await request.post(), cluster.agent.agent_id)
        maintenance.reserve(amounts, free_resources())
        return web.Response(status=202)

    async def unreserve(request: web.Request) -> web.Response:
        maintenance.unreserve(parse_reservation(await request.post(), cluster.agent.agent_id))
        return web.Response(status=202)

    app.router.add_get("/master/maintenance/schedule", guarded(get_schedule))
    app.router.add_post("/master/maintenance/schedule", guarded(post_schedule))
    app.router.add_get("/master/maintenance/status", guarded(status))
    app.router.add_post("/master/machine/down", guarded(down))
    app.router.add_post("/master/machine/up", guarded(up))
    app.router.add_post("/master/reserve", guarded(reserve))
    app.router.add_post("/master/unreserve", guarded(unreserve))
