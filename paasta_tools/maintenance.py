"""Mesos maintenance as data: machine ids, schedules, status, reservations (upstream mesos_maintenance).

Pure: every function takes the JSON documents of the Mesos 1.x maintenance API
(``/master/maintenance/schedule``, ``/master/maintenance/status``, ``/master/state``) and returns
new documents or answers.  ``clients/mesos_maintenance.py`` does the HTTP.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.errors import MaintenanceError
from paasta_tools.logs.filtering import parse_duration
from paasta_tools.marathon.tasks import MarathonAppState, MarathonTask

MAINTENANCE_ROLE = "maintenance"
RESERVED_SCALARS = ("disk", "mem", "cpus")
NANOSECONDS = 1_000_000_000


@dataclass(frozen=True)
class MachineId:
    """A Mesos MachineID: a hostname and (possibly unknown) IP address."""

    hostname: str
    ip: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"hostname": self.hostname, "ip": self.ip}


def parse_host(text: str) -> MachineId:
    """``host`` or ``host|ip`` (upstream's way of naming the IP without asking DNS)."""
    host, sep, ip = text.partition("|")
    if not host or (sep and not ip):
        raise MaintenanceError(f"invalid host {text!r}: expected <hostname> or <hostname>|<ip>")
    return MachineId(host, ip or None)


def seconds_to_nanoseconds(seconds: float) -> int:
    return int(seconds * NANOSECONDS)


def parse_timedelta(text: str) -> int:
    """Nanoseconds in a duration such as ``1h``, ``30m`` or ``1d3h`` (-d/--duration)."""
    seconds = parse_duration(text)
    if not seconds:
        raise MaintenanceError(f"'{text}' is not a valid time expression")
    return seconds_to_nanoseconds(seconds)


def parse_datetime(text: str) -> int:
    """Nanoseconds since the epoch of a date/time such as ``2017-04-20 15:30`` (-s/--start; naive = UTC)."""
    from dateutil import parser

    try:
        moment = parser.parse(text)
    except (ValueError, OverflowError):
        raise MaintenanceError(f"'{text}' is not a valid datetime expression") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return seconds_to_nanoseconds(int(moment.timestamp()))


def _window(machines: Sequence[MachineId], start: int, duration: int) -> dict[str, Any]:
    return {
        "machine_ids": [machine.as_json() for machine in machines],
        "unavailability": {"start": {"nanoseconds": int(start)}, "duration": {"nanoseconds": int(duration)}},
    }


def _same_machine(entry: Mapping[str, Any], machines: Sequence[MachineId]) -> bool:
    return any(entry.get("hostname") == m.hostname and (m.ip is None or entry.get("ip") == m.ip) for m in machines)


def schedule_without(schedule: Mapping[str, Any], machines: Sequence[MachineId]) -> list[dict[str, Any]]:
    """The windows of ``schedule`` with ``machines`` taken out; windows left empty are dropped."""
    windows = []
    for window in schedule.get("windows") or ():
        kept = [dict(m) for m in window.get("machine_ids") or () if not _same_machine(m, machines)]
        if kept:
            windows.append({**window, "machine_ids": kept})
    return windows


def drain_schedule(
    schedule: Mapping[str, Any], machines: Sequence[MachineId], start: int, duration: int
) -> dict[str, Any]:
    """``schedule`` with one new window for ``machines`` (replacing any window they were already in)."""
    return {"windows": [*schedule_without(schedule, machines), _window(machines, start, duration)]}


def undrain_schedule(schedule: Mapping[str, Any], machines: Sequence[MachineId]) -> dict[str, Any]:
    """``schedule`` with ``machines`` removed."""
    return {"windows": schedule_without(schedule, machines)}


def draining_hosts(status: Mapping[str, Any]) -> list[str]:
    """Hostnames of the status' ``draining_machines``."""
    return [
        str(m["id"]["hostname"]) for m in status.get("draining_machines") or () if (m.get("id") or {}).get("hostname")
    ]


def down_hosts(status: Mapping[str, Any]) -> list[str]:
    """Hostnames of the status' ``down_machines``."""
    return [str(m["hostname"]) for m in status.get("down_machines") or () if m.get("hostname")]


def hosts_past_maintenance_start(schedule: Mapping[str, Any], now_ns: int, grace: int = 0) -> list[str]:
    """Hosts whose window started before ``now_ns - grace``."""
    return [
        str(machine.get("hostname"))
        for window in schedule.get("windows") or ()
        if int(window["unavailability"]["start"]["nanoseconds"]) < now_ns - grace
        for machine in window.get("machine_ids") or ()
    ]


def hosts_past_maintenance_end(schedule: Mapping[str, Any], now_ns: int, grace: int = 0) -> list[str]:
    """Hosts whose window (start + duration) ended before ``now_ns - grace``."""
    hosts = []
    for window in schedule.get("windows") or ():
        unavailability = window["unavailability"]
        end = int(unavailability["start"]["nanoseconds"]) + int(
            (unavailability.get("duration") or {}).get("nanoseconds", 0)
        )
        if end < now_ns - grace:
            hosts.extend(str(machine.get("hostname")) for machine in window.get("machine_ids") or ())
    return hosts


def friendly_status(status: Mapping[str, Any]) -> str:
    """Upstream's human-friendly status: ``host (ip): Draining`` / ``host (ip): Down`` lines."""
    lines = [
        f"{m['id'].get('hostname')} ({m['id'].get('ip')}): Draining" for m in status.get("draining_machines") or ()
    ]
    lines += [f"{m.get('hostname')} ({m.get('ip')}): Down" for m in status.get("down_machines") or ()]
    return "".join(line + "\n" for line in lines)


@dataclass(frozen=True)
class Reservation:
    """Scalar amounts to (un)reserve for the maintenance role on one agent."""

    slave_id: str
    hostname: str
    amounts: tuple[tuple[str, float], ...]


def reservation_resources(amounts: Iterable[tuple[str, float]], principal: str | None) -> list[dict[str, Any]]:
    """The Mesos Resource list of a RESERVE/UNRESERVE for the maintenance role."""
    reservation = {"principal": principal} if principal else {}
    return [
        {
            "name": name,
            "type": "SCALAR",
            "scalar": {"value": amount},
            "role": MAINTENANCE_ROLE,
            "reservation": reservation,
        }
        for name, amount in amounts
    ]


def _slaves_on(state: Mapping[str, Any], hostnames: Iterable[str]) -> list[Mapping[str, Any]]:
    wanted = set(hostnames)
    return [slave for slave in state.get("slaves") or () if slave.get("hostname") in wanted]


def _scalar(resources: Any, name: str) -> float:
    return float((resources or {}).get(name) or 0)


def free_resources_reservations(state: Mapping[str, Any], hostnames: Iterable[str]) -> list[Reservation]:
    """What reserving "all resources" means per agent on ``hostnames``: total - used - reserved (any role)."""
    reservations = []
    for slave in _slaves_on(state, hostnames):
        amounts = []
        for name in RESERVED_SCALARS:
            free = _scalar(slave.get("resources"), name) - _scalar(slave.get("used_resources"), name)
            for reserved in (slave.get("reserved_resources") or {}).values():
                free -= _scalar(reserved, name)
            amounts.append((name, max(free, 0.0)))
        reservations.append(Reservation(str(slave["id"]), str(slave["hostname"]), tuple(amounts)))
    return reservations


def maintenance_reservations(state: Mapping[str, Any], hostnames: Iterable[str]) -> list[Reservation]:
    """What the maintenance role holds per agent on ``hostnames`` (to unreserve); agents holding none are left out."""
    reservations = []
    for slave in _slaves_on(state, hostnames):
        held = (slave.get("reserved_resources") or {}).get(MAINTENANCE_ROLE)
        if held:
            amounts = tuple((name, _scalar(held, name)) for name in RESERVED_SCALARS)
            reservations.append(Reservation(str(slave["id"]), str(slave["hostname"]), amounts))
    return reservations


def running_task_count(state: Mapping[str, Any], hostname: str) -> int:
    """Active tasks of every framework on the agents of ``hostname`` (is_host_drained)."""
    slave_ids = {slave.get("id") for slave in _slaves_on(state, [hostname])}
    active = {"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING"}
    return sum(
        1
        for framework in state.get("frameworks") or ()
        for task in framework.get("tasks") or ()
        if task.get("slave_id") in slave_ids and task.get("state") in active
    )


SAFE_TO_DRAIN_THRESHOLD = 80  # percent of an instance's desired tasks that must stay healthy (upstream's crit)


def _task_is_healthy(task: MarathonTask, has_checks: bool) -> bool:
    if task.state != "TASK_RUNNING" or task.started_at is None:
        return False
    return bool(task.health_alive) and all(task.health_alive) if has_checks else True


def apps_in_danger(
    apps: Iterable[MarathonAppState], hostname: str, threshold: int = SAFE_TO_DRAIN_THRESHOLD
) -> list[str]:
    """Ids of the apps that have a healthy task on ``hostname`` and are under-replicated already.

    Under-replicated: healthy tasks (all hosts) below ``threshold`` percent of the app's instances;
    draining the host would take a healthy task away from such an app (is_safe_to_drain).
    """
    in_danger = []
    for app in apps:
        has_checks = bool(app.health_checks)
        healthy = [task for task in app.tasks if _task_is_healthy(task, has_checks)]
        if not any(task.host == hostname for task in healthy) or app.instances == 0:
            continue
        if len(healthy) * 100 / app.instances < threshold:
            in_danger.append(app.id)
    return sorted(in_danger)


FORGOTTEN_GRACE_NS = 10 * 60 * NANOSECONDS  # cleanup_maintenance leaves hosts alone this long past their window


def hosts_forgotten_draining(
    status: Mapping[str, Any], schedule: Mapping[str, Any], now_ns: int, grace: int = FORGOTTEN_GRACE_NS
) -> list[str]:
    """Hosts still draining ``grace`` after their maintenance window started (sorted)."""
    return sorted(set(draining_hosts(status)) & set(hosts_past_maintenance_start(schedule, now_ns, grace)))


def hosts_forgotten_down(
    status: Mapping[str, Any], schedule: Mapping[str, Any], now_ns: int, grace: int = FORGOTTEN_GRACE_NS
) -> list[str]:
    """Hosts still down ``grace`` after their maintenance window ended (sorted)."""
    return sorted(set(down_hosts(status)) & set(hosts_past_maintenance_end(schedule, now_ns, grace)))


def machines_of(status: Mapping[str, Any], hostnames: Iterable[str]) -> list[MachineId]:
    """The MachineIds (hostname and ip) the status gives for ``hostnames``, in their order."""
    known: dict[str, MachineId] = {}
    for machine in [
        *(m.get("id") or {} for m in status.get("draining_machines") or ()),
        *(status.get("down_machines") or ()),
    ]:
        if machine.get("hostname"):
            known[str(machine["hostname"])] = MachineId(str(machine["hostname"]), machine.get("ip"))
    return [known.get(host, MachineId(host)) for host in hostnames]
