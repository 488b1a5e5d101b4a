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
    fall: int = 2  # one slow check on a busy machine does not take a task out
    bind_host: str = "127.0.0.1"
    admin_socket: str | None = None  # unix socket for ``show servers state``
    state_file: str | None = None  # servers' states carried over a reload


SERVER_STATE_VERSION = "1"
SERVER_STATE_HEADER = (
    "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight "
    "srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state "
    "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port "
    "srv_check_addr srv_agent_addr srv_agent_port"
)


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


def server_state_file(dump: str, topology: Sequence[Namespace]) -> str:
    """The server-state file for the next HAProxy: the states in ``dump`` (``show servers state``)
    for servers it knows, and DOWN for new ones, so that a task is only UP once its check passed
    (HAProxy would otherwise start new servers UP until their first check)."""
    known: dict[tuple[str, str], str] = {}
    for line in dump.splitlines():
        fields = line.split()
        if len(fields) >= 19 and not line.startswith("#"):
            known[(fields[1], fields[3])] = line
    lines = [SERVER_STATE_VERSION, SERVER_STATE_HEADER]
    for namespace in topology:
        for server in namespace.servers:
            line = known.get((namespace.name, server.name))
            if line is None:
                # ids are not forced, so HAProxy matches backends and servers by name
                down = "0 0 1 1 0 1 0 0 6 0 0 0 -"  # op_state stopped, check health 0
                line = f"0 {namespace.name} 0 {server.name} {server.host} {down} {server.port} - 0 0 - - 0"
            lines.append(line)
    return "\n".join(lines) + "\n"


def render_haproxy_config(topology: Sequence[Namespace], settings: HaproxySettings) -> str:
    """The whole haproxy.cfg text; equal topologies give equal texts (reloads compare them)."""
    lines = [
        "# Written by the devcluster's synapse; rewritten whenever the registered tasks change.",
        "global",
        "    maxconn 4096",
        # expose-fd listeners: a reloading HAProxy takes over these listening sockets (-x) instead of
        # binding new ones, so no connection waiting in the old backlog is lost.
        *(
            [f"    stats socket {settings.admin_socket} mode 600 level admin expose-fd listeners"]
            if settings.admin_socket
            else []
        ),
        *([f"    server-state-file {settings.state_file}"] if settings.state_file else []),
        "defaults",
        *(["    load-server-state-from-file global"] if settings.state_file else []),
        "    timeout connect 1s",
        "    timeout client 10s",
        "    timeout server 10s",
        "    timeout check 2s",
        "listen stats",
        f"    bind {settings.bind_host}:{settings.synapse_port}",
        "    mode http",
        "    stats enable",
        "    stats uri /",
    ]
    for namespace in topology:
        # proxy_port 0: a namespace whose port HAProxy cannot have keeps only its backend
        lines += (_frontend(namespace, settings) if namespace.proxy_port else []) + _backend(namespace, settings)
    return "\n".join(lines) + "\n"
