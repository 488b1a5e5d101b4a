"""The demo's SmartStack step: HAProxy of the devcluster's synapse routes the example's main instance.

Only when the devcluster runs SmartStack (``paasta-devcluster up --soa-dir``, HAProxy installed);
otherwise the step says it is skipped and main stays out of SmartStack.  main's proxy_port is 20666
unless something else listens there (another demo's HAProxy): then, as ``paasta fsm`` does, the
lowest free port of 20000-21000 that no smartstack.yaml of the soa dir uses.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from paasta_tools.errors import DemoError, PaastaError
from paasta_tools.fsm.render import PROXY_PORT_MAX, PROXY_PORT_MIN

PROXY_PORT = 20666  # preferred SmartStack proxy_port of the example's main instance (Yelp's range is 20000-21000)
DRAIN_DELAY_S = 10  # hacheck drain delay of main: how long a drained task keeps serving before its kill
_BIND_RE = re.compile(r"^\s*bind\s+127\.0\.0\.1:(\d+)\s*$", re.MULTILINE)


def choose_proxy_port(
    is_free: Callable[[int], bool],
    ours: Iterable[int] = (),
    used: Iterable[int] = (),
    preferred: int = PROXY_PORT,
    low: int = PROXY_PORT_MIN,
    high: int = PROXY_PORT_MAX,
) -> int:
    """``preferred``, else the lowest port of ``[low, high]``, that no smartstack.yaml ``used`` and that is
    free or held by ``ours`` (the demo's own HAProxy); DemoError when there is none."""
    mine, taken = set(ours), set(used)
    for port in (preferred, *range(low, high + 1)):
        if port not in taken and (port in mine or is_free(port)):
            return port
    raise DemoError(f"no free SmartStack proxy_port in [{low}, {high}] for the example's main instance")


def haproxy_ports(config_text: str) -> set[int]:
    """The 127.0.0.1 ports a haproxy.cfg binds."""
    return {int(port) for port in _BIND_RE.findall(config_text)}


def used_proxy_ports(soa_dir: Path) -> set[int]:
    """The proxy ports of the services' smartstack.yaml files in ``soa_dir`` (unreadable ones are skipped)."""
    from paasta_tools.config.yaml_files import read_yaml_file
    from paasta_tools.fsm.render import proxy_ports_in

    ports: set[int] = set()
    for path in sorted(soa_dir.glob("*/smartstack.yaml")):
        try:
            ports |= proxy_ports_in(read_yaml_file(path))
        except (PaastaError, OSError):
            continue
    return ports


def pick_proxy_port(info: Any, devcluster_dir: Path, soa_dir: Path) -> int:
    """main's proxy_port for this run: see :func:`choose_proxy_port`; the devcluster's synapse and
    hacheck ports and every smartstack.yaml of ``soa_dir`` count as used."""
    from paasta_tools.devcluster.runner import SMARTSTACK_DIR, port_is_free

    try:
        ours = haproxy_ports((devcluster_dir / SMARTSTACK_DIR / "haproxy.cfg").read_text())
    except OSError:
        ours = set()
    used = used_proxy_ports(soa_dir) | {info.synapse_port, info.hacheck_port}
    return choose_proxy_port(port_is_free, ours - {info.synapse_port}, used)


def smartstack_files(hacheck_port: int | None, proxy_port: int = PROXY_PORT) -> dict[str, str]:
    """``smartstack.yaml`` putting main in SmartStack when the devcluster runs it (hacheck_port set), else none."""
    if hacheck_port is None:
        return {}
    return {"smartstack.yaml": f"main:\n  proxy_port: {proxy_port}\n  healthcheck_uri: /status\n"}


def drain_params_yaml(hacheck_port: int | None) -> str:
    """main's ``drain_method_params`` line (its drain method stays the SmartStack default, hacheck)."""
    if hacheck_port is None:
        return ""
    return f"  drain_method_params: {{delay: {DRAIN_DELAY_S}, hacheck_port: {hacheck_port}}}\n"


def describe(info: Any, missing_haproxy: str | None) -> str:
    """The start step's line on SmartStack: where it answers, or why main stays out of it."""
    if info.synapse_port is not None:
        return f"  SmartStack runs: synapse stats on 127.0.0.1:{info.synapse_port}, hacheck on {info.hacheck_port}"
    why = missing_haproxy or "the devcluster runs no SmartStack (see its notes above)"
    return f"  {why}: the example's main instance is not put in SmartStack"


def smartstack_backends(info: Any, service: str) -> dict[str, str] | None:
    """``{server name: status}`` of ``<service>.main`` in the devcluster synapse's HAProxy (None: no answer)."""
    from paasta_tools.clients.haproxy import get_backends

    try:
        backends = get_backends([f"{service}.main"], "127.0.0.1", info.synapse_port or 0)
    except PaastaError:
        return None
    return {backend.svname: backend.status for backend in backends}


def wait_for_smartstack(demo: Any) -> int:
    """Wait until HAProxy routes main's proxy_port to exactly its healthy tasks, then GET /status through it."""
    from paasta_tools.demo import EXIT_OK, MARATHON_INSTANCES, POLL_INTERVAL_S, _report_changes, get_text

    info = demo.cluster_info
    if info.synapse_port is None:
        demo.say("  skipped: main is not in SmartStack")
        return EXIT_OK
    wanted = MARATHON_INSTANCES["main"]
    started = time.monotonic()
    last: list[str] = []
    while True:
        backends = smartstack_backends(info, demo.service)
        up = sorted(name for name, status in (backends or {}).items() if status == "UP")
        line = f"synapse at 127.0.0.1:{info.synapse_port} does not answer"
        if backends is not None:
            line = f"{demo.service}.main: {len(up)} of {len(backends)} backend(s) UP in HAProxy ({', '.join(up)})"
        last = _report_changes(demo, [line], last, started)
        if backends is not None and len(up) == wanted == len(backends):
            break
        if time.monotonic() - started >= demo.wait_s:
            raise DemoError(f"HAProxy did not route main to {wanted} UP tasks within {demo.wait_s:g} s: {line}")
        time.sleep(POLL_INTERVAL_S / 4)
    url = f"http://127.0.0.1:{demo.proxy_port}/status"
    body = get_text(url)
    if body is None:
        raise DemoError(f"{url} (main's SmartStack proxy_port) does not answer although HAProxy has it UP")
    demo.say(f"  GET {url} (through HAProxy) -> {body.strip()}")
    demo.task_urls.insert(0, url)
    return EXIT_OK
