"""Parse a synapse/HAProxy stats CSV (``/;csv``) into backend rows.

The header line starts with ``# pxname``; the proxy name is the SmartStack
``service.namespace``; backend server names are ``<ip>:<port>_<hostname>``
(synapse) or plain ``<ip>:<port>``.  FRONTEND/BACKEND summary rows are skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass

from paasta_tools.errors import HaproxyError

_SUMMARY_ROWS = frozenset({"FRONTEND", "BACKEND"})


@dataclass(frozen=True)
class HaproxyBackend:
    """One server line of an HAProxy backend."""

    pxname: str
    svname: str
    status: str
    ip: str
    port: int | None
    hostname: str
    check_status: str = ""
    check_code: str = ""
    check_duration: str = ""
    lastchg: str = ""

    @property
    def is_up(self) -> bool:
        """UP, and also ``UP 1/2`` style transitional states, count as up."""
        return self.status.startswith("UP")


def split_svname(svname: str) -> tuple[str, int | None, str]:
    """``ip:port_hostname`` -> (ip, port, hostname); missing parts give None / ""."""
    address, _, hostname = svname.partition("_")
    ip, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return svname, None, ""
    return ip, int(port), hostname


def parse_haproxy_csv(text: str, source: str = "haproxy stats") -> list[HaproxyBackend]:
    """Every server row of the CSV (any proxy), in file order."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("# pxname"):
        raise HaproxyError(f"{source}: not an HAProxy stats CSV (no '# pxname' header line)")
    reader = csv.DictReader([lines[0][2:]] + lines[1:])
    missing = {"pxname", "svname", "status"} - set(reader.fieldnames or ())
    if missing:
        raise HaproxyError(f"{source}: HAProxy stats CSV lacks column(s) {', '.join(sorted(missing))}")
    backends = []
    for row in reader:
        svname = row.get("svname") or ""
        if svname in _SUMMARY_ROWS:
            continue
        ip, port, hostname = split_svname(svname)
        backends.append(
            HaproxyBackend(
                pxname=row.get("pxname") or "",
                svname=svname,
                status=row.get("status") or "",
                ip=ip,
                port=port,
                hostname=hostname,
                check_status=row.get("check_status") or "",
                check_code=row.get("check_code") or "",
                check_duration=row.get("check_duration") or "",
                lastchg=row.get("lastchg") or "",
            )
        )
    return backends


def backends_of(backends: Iterable[HaproxyBackend], services: Iterable[str] | None) -> list[HaproxyBackend]:
    """Only the rows of the given proxies (``service.namespace``); None keeps all."""
    if services is None:
        return list(backends)
    wanted = set(services)
    return [b for b in backends if b.pxname in wanted]


def up_addresses(backends: Iterable[HaproxyBackend]) -> frozenset[tuple[str, int]]:
    """(ip, port) of every UP backend, for the happy-task haproxy check."""
    return frozenset((b.ip, b.port) for b in backends if b.is_up and b.port is not None)


def count_up(backends: Iterable[HaproxyBackend], service: str) -> int:
    """How many backends of ``service`` are UP."""
    return sum(1 for b in backends if b.pxname == service and b.is_up)
