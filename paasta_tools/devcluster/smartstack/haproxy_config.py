"""Render the HAProxy configuration synapse would write for a topology.

One ``frontend`` per ``service.namespace`` bound to 127.0.0.1:<proxy_port>, one ``backend`` of the
same name whose servers are the registered tasks, checked through hacheck as at a real site:
``GET /http/<service.namespace>/0/<healthcheck_uri>`` on the hacheck port with ``http-check
send-state`` (hacheck reads the task's port from the ``X-Haproxy-Server-State`` header).  The stats
page (``/;csv;norefresh``) answers on ``synapse_port``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paasta_tools.devcluster.smartstack.topology import Namespace


@dataclass(frozen=True)
class HaproxySettings:
    """Ports and check timings of the devcluster's HAProxy."""

    synapse_port: int
    hacheck_port: int
    check_interval_ms: int = 500
    rise: int = 1
    fall: int = 1
    bind_host: str = "127.0.0.1"


def check_path(namespace: Namespace) -> str:
    """hacheck's check path for the namespace (port 0: taken from the send-state header)."""
    kind = "http" if namespace.mode in ("http", "https") else "tcp"
    return f"/{kind}/{namespace.name}/0/{namespace.healthcheck_uri.lstrip('/')}"


def _frontend(namespace: Namespace, settings: HaproxySettings) -> list[str]:
    return [
        f"frontend {namespace.name}",
        f"    bind {settings.bind_host}:{namespace.proxy_port}",
        f"    mode {'http' if namespace.mode == 'http' else 'tcp'}",
        f"    timeout client {namespace.timeout_client_ms}ms",
        f"    default_backend {namespace.name}",
    ]


def _backend(namespace: Namespace, settings: HaproxySettings) -> list[str]:
    lines = [
        f"backend {namespace.name}",
        f"    mode {'http' if namespace.mode == 'http' else 'tcp'}",
        "    balance roundrobin",
        f"    timeout connect {namespace.timeout_connect_ms}ms",
        f"    timeout server {namespace.timeout_server_ms}ms",
        f"    retries {namespace.retries}",
        f"    option httpchk GET {check_path(namespace)}",
        "    http-check send-state",
    ]
    timing = f"inter {settings.check_interval_ms}ms rise {settings.rise} fall {settings.fall}"
    for server in namespace.servers:
        lines.append(
            f"    server {server.name} {server.host}:{server.port} check port {settings.hacheck_port} {timing}"
        )
    return lines


def render_haproxy_config(topology: Sequence[Namespace], settings: HaproxySettings) -> str:
    """The whole haproxy.cfg text; equal topologies give equal texts (reloads compare them)."""
    lines = [
        "# Written by the devcluster's synapse; rewritten whenever the registered tasks change.",
        "global",
        "    maxconn 4096",
        "defaults",
        "    timeout connect 1s",
        "    timeout client 10s",
        "    timeout server 10s",
        "    timeout check 1s",
        "listen stats",
        f"    bind {settings.bind_host}:{settings.synapse_port}",
        "    mode http",
        "    stats enable",
        "    stats uri /",
    ]
    for namespace in topology:
        lines += _frontend(namespace, settings) + _backend(namespace, settings)
    return "\n".join(lines) + "\n"
