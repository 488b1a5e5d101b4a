"""Run one Marathon health check (or readiness check) against a real task.

Marathon semantics (1.4): HTTP/HTTPS succeed for a status of 200-399, fail for any other status,
a timeout or a connection error; TCP succeeds when a connection opens within ``timeoutSeconds``;
COMMAND runs ``command.value`` in the task's environment and succeeds on exit code 0.
MESOS_HTTP/MESOS_HTTPS/MESOS_TCP are executed by Mesos in real clusters; here they behave as their
Marathon-run counterparts against the same host port.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from paasta_tools.devcluster.executors.base import Executor

DEFAULT_TIMEOUT_SECONDS = 20.0
HTTP_PROTOCOLS = {"HTTP": "http", "HTTPS": "https", "MESOS_HTTP": "http", "MESOS_HTTPS": "https"}
TCP_PROTOCOLS = {"TCP", "MESOS_TCP"}


def resolve_port(check: Mapping[str, Any], host_ports: list[int]) -> int:
    """The host port a check targets: ``port`` if set, else ``host_ports[portIndex]`` (portIndex 0 by default).

    Raises ValueError naming the field when the check cannot be resolved.
    """
    port = check.get("port")
    if port:
        return int(port)
    index = check.get("portIndex")
    index = 0 if index is None else int(index)
    if not 0 <= index < len(host_ports):
        raise ValueError(f"portIndex {index} is out of range: the task has {len(host_ports)} port(s)")
    return host_ports[index]


def _timeout(check: Mapping[str, Any]) -> float:
    value = check.get("timeoutSeconds")
    return DEFAULT_TIMEOUT_SECONDS if value is None else max(float(value), 0.001)


def http_status_is_healthy(status: int, ignore_http1xx: bool = False) -> bool:
    """Marathon's rule: 200-399 healthy; 1xx counts as healthy only when ``ignoreHttp1xx`` is set."""
    if 100 <= status < 200:
        return ignore_http1xx
    return 200 <= status < 400


async def _http_check(check: Mapping[str, Any], scheme: str, host: str, port: int) -> tuple[bool, str]:
    path = check.get("path") or "/"
    if not path.startswith("/"):
        path = "/" + path
    url = f"{scheme}://{host}:{port}{path}"
    timeout = aiohttp.ClientTimeout(total=_timeout(check))
    connector = aiohttp.TCPConnector(force_close=True, ssl=False)
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            async with session.get(url, allow_redirects=False) as response:
                status = response.status
    except TimeoutError:
        return False, f"{url}: timed out after {_timeout(check):g} seconds"
    except (aiohttp.ClientError, OSError) as exc:
        return False, f"{url}: {type(exc).__name__}: {exc}"
    healthy = http_status_is_healthy(status, bool(check.get("ignoreHttp1xx", False)))
    return healthy, f"{url}: HTTP {status}"


async def _tcp_check(check: Mapping[str, Any], host: str, port: int) -> tuple[bool, str]:
    address = f"{host}:{port}"
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), _timeout(check))
    except TimeoutError:
        return False, f"tcp {address}: timed out after {_timeout(check):g} seconds"
    except OSError as exc:
        return False, f"tcp {address}: {exc.strerror or exc}"
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True, f"tcp {address}: connected"


async def _command_check(check: Mapping[str, Any], executor: Executor, task_id: str) -> tuple[bool, str]:
    command = (check.get("command") or {}).get("value")
    if not command:
        return False, "COMMAND health check has no command.value"
    try:
        code, output = await executor.run_command_check(task_id, command, _timeout(check))
    except Exception as exc:  # the executor may fail for a vanished task: an unhealthy result, not a crash
        return False, f"command {command!r}: {type(exc).__name__}: {exc}"
    detail = output.strip()[-200:]
    return code == 0, f"command {command!r} exited with {code}" + (f": {detail}" if detail else "")


async def run_health_check(
    check: dict, host: str, host_ports: list[int], executor: Executor, task_id: str
) -> tuple[bool, str]:
    """Run ``check`` (a Marathon health check dict) once against a task; returns (healthy, message)."""
    protocol = str(check.get("protocol") or "HTTP").upper()
    if protocol == "COMMAND":
        return await _command_check(check, executor, task_id)
    if protocol not in HTTP_PROTOCOLS and protocol not in TCP_PROTOCOLS:
        return False, f"unsupported health check protocol {protocol!r}"
    try:
        port = resolve_port(check, host_ports)
    except (TypeError, ValueError) as exc:
        return False, str(exc)
    if protocol in TCP_PROTOCOLS:
        return await _tcp_check(check, host, port)
    return await _http_check(check, HTTP_PROTOCOLS[protocol], host, port)


READINESS_SCHEMES = {"HTTP": "http", "HTTPS": "https"}
READINESS_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class ReadinessAnswer:
    """One readiness check run: ``ready``, and the answer (None when the request got none)."""

    ready: bool
    status: int | None = None
    content_type: str | None = None
    body: str | None = None
    message: str = ""


async def run_readiness_check(check: Mapping[str, Any], host: str, port: int) -> ReadinessAnswer:
    """GET ``check["path"]`` on ``host:port`` (Marathon 1.4's readiness checks): ready when the status is
    one of ``httpStatusCodesForReady``; a timeout or connection error is not ready and has no answer."""
    scheme = READINESS_SCHEMES.get(str(check.get("protocol") or "HTTP").upper())
    if scheme is None:
        return ReadinessAnswer(False, message=f"unsupported readiness check protocol {check.get('protocol')!r}")
    path = check.get("path") or "/"
    url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
    timeout = _timeout(check)
    connector = aiohttp.TCPConnector(force_close=True, ssl=False)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), connector=connector) as session:
            async with session.get(url, allow_redirects=False) as response:
                raw = await response.content.read(READINESS_BODY_LIMIT)
                status, content_type = response.status, response.headers.get("Content-Type", "")
    except TimeoutError:
        return ReadinessAnswer(False, message=f"{url}: timed out after {timeout:g} seconds")
    except (aiohttp.ClientError, OSError) as exc:
        return ReadinessAnswer(False, message=f"{url}: {type(exc).__name__}: {exc}")
    ready = status in set(check.get("httpStatusCodesForReady") or ())
    body = raw.decode("utf-8", "replace")
    return ReadinessAnswer(ready, status, content_type, body, f"{url}: HTTP {status}")
