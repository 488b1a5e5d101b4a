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
    except requests.Timeout as exc:
        raise HaproxyError(f"could not read HAProxy stats from {url}: no answer within {timeout}s") from exc
    except requests.ConnectionError as exc:
        raise HaproxyError(f"could not read HAProxy stats from {url}: nothing answers there") from exc
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


def _resolve(host: str) -> str:
    import socket

    try:
        return socket.gethostbyname(host)
    except OSError:
        return host


def get_up_addresses_on_hosts(
    synapse_hosts: Iterable[str],
    service: str,
    synapse_port: int = DEFAULT_SYNAPSE_PORT,
    synapse_haproxy_url_format: str | None = None,
    task_hosts: Iterable[str] = (),
    timeout: float = HAPROXY_TIMEOUT_S,
) -> tuple[frozenset[tuple[str, int]], list[str]]:
    """(address, port) pairs UP for ``service`` (``service.namespace``) in the given synapses' HAProxies.

    Backends are listed by IP; for every synapse host and every ``task_hosts``
    name whose address is a backend IP the pair is also given with that name,
    so tasks (which Marathon reports by agent host name) match either way.
    A synapse that cannot be read adds nothing; its error is returned.
    """
    up: set[tuple[str, int]] = set()
    errors: list[str] = []
    synapse_hosts = sorted(set(synapse_hosts))
    for host in synapse_hosts:
        try:
            backends = get_backends([service], host, synapse_port, synapse_haproxy_url_format, timeout)
        except HaproxyError as exc:
            errors.append(str(exc))
            continue
        up.update(up_addresses(backends))
    names_by_ip: dict[str, set[str]] = {}
    for name in set(synapse_hosts) | set(task_hosts):
        names_by_ip.setdefault(_resolve(name), set()).add(name)
    for ip, port in list(up):
        up.update((name, port) for name in names_by_ip.get(ip, ()))
    return frozenset(up), errors
