"""Read a synapse/HAProxy stats CSV over HTTP and return its backends.

The URL comes from the system config's ``synapse_haproxy_url_format``
(default ``http://{host:s}:{port:d}/;csv;norefresh``) with the synapse host
and ``synapse_port`` (3212).  Parsing is pure: paasta_tools.marathon.haproxy_csv.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from paasta_tools.errors import HaproxyError
from paasta_tools.marathon.haproxy_csv import HaproxyBackend, backends_of, parse_haproxy_csv, up_addresses

DEFAULT_SYNAPSE_PORT = 3212
DEFAULT_SYNAPSE_HAPROXY_URL_FORMAT = "http://{host:s}:{port:d}/;csv;norefresh"
HAPROXY_TIMEOUT_S = 1


def haproxy_stats_url(host: str, port: int = DEFAULT_SYNAPSE_PORT, url_format: str | None = None) -> str:
    """The stats CSV URL of the synapse on ``host``."""
    fmt = url_format or DEFAULT_SYNAPSE_HAPROXY_URL_FORMAT
    try:
        return fmt.format(host=host, port=int(port))
    except (KeyError, IndexError, ValueError) as exc:
        raise HaproxyError(
            f"synapse_haproxy_url_format {fmt!r} must use only {{host:s}} and {{port:d}} ({exc!r})"
        ) from None


def fetch_haproxy_csv(url: str, timeout: float = HAPROXY_TIMEOUT_S, session: Any = None) -> str:
    """The CSV text at ``url``; HaproxyError when unreachable or not 200."""
    import requests

    from paasta_tools.clients.marathon_client import user_agent

    getter = session or requests
    try:
        response = getter.get(url, timeout=timeout, headers={"User-Agent": user_agent()})
    except requests.RequestException as exc:
        raise HaproxyError(f"could not read HAProxy stats from {url}: {exc}") from exc
    if response.status_code != 200:
        raise HaproxyError(f"could not read HAProxy stats from {url}: HTTP {response.status_code}")
    return response.text


def get_backends(
    services: Iterable[str] | None,
    synapse_host: str,
    synapse_port: int = DEFAULT_SYNAPSE_PORT,
    synapse_haproxy_url_format: str | None = None,
    timeout: float = HAPROXY_TIMEOUT_S,
) -> list[HaproxyBackend]:
    """Backends (server rows) of the given ``service.namespace`` proxies (all when None) on one synapse."""
    url = haproxy_stats_url(synapse_host, synapse_port, synapse_haproxy_url_format)
    return backends_of(parse_haproxy_csv(fetch_haproxy_csv(url, timeout), source=url), services)


def get_up_addresses_on_hosts(
    hosts: Iterable[str],
    service: str,
    synapse_port: int = DEFAULT_SYNAPSE_PORT,
    synapse_haproxy_url_format: str | None = None,
    timeout: float = HAPROXY_TIMEOUT_S,
) -> tuple[frozenset[tuple[str, int]], list[str]]:
    """(address, port) pairs UP for ``service`` (``service.namespace``) in the synapse of each host.

    Each host's own synapse is asked (a task is only trusted by the HAProxy on
    its host).  Pairs are given both with the backend IP and, when it is the
    host's address, with the host name, so tasks match by either.  A host
    whose synapse cannot be read adds nothing; its error is returned.
    """
    import socket

    up: set[tuple[str, int]] = set()
    errors: list[str] = []
    for host in sorted(set(hosts)):
        try:
            backends = get_backends([service], host, synapse_port, synapse_haproxy_url_format, timeout)
        except HaproxyError as exc:
            errors.append(str(exc))
            continue
        try:
            host_ip = socket.gethostbyname(host)
        except OSError:
            host_ip = host
        for ip, port in up_addresses(backends):
            up.add((ip, port))
            if ip == host_ip:
                up.add((host, port))
    return frozenset(up), errors
