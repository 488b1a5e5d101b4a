"""The demo's SmartStack step: HAProxy of the devcluster's synapse routes the example's main instance.

Only when the devcluster runs SmartStack (``paasta-devcluster up --soa-dir``, HAProxy installed);
otherwise the step says it is skipped and main stays out of SmartStack.
"""

from __future__ import annotations

import time
from typing import Any

from paasta_tools.errors import DemoError, PaastaError

PROXY_PORT = 20666  # SmartStack proxy_port of the example's main instance (Yelp's range is 20000-21000)
DRAIN_DELAY_S = 10  # hacheck drain delay of main: how long a drained task keeps serving before its kill


def smartstack_files(hacheck_port: int | None) -> dict[str, str]:
    """``smartstack.yaml`` putting main in SmartStack when the devcluster runs it (hacheck_port set), else none."""
    if hacheck_port is None:
        return {}
    return {"smartstack.yaml": f"main:\n  proxy_port: {PROXY_PORT}\n  healthcheck_uri: /status\n"}


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
    url = f"http://127.0.0.1:{PROXY_PORT}/status"
    body = get_text(url)
    if body is None:
        raise DemoError(f"{url} (main's SmartStack proxy_port) does not answer although HAProxy has it UP")
    demo.say(f"  GET {url} (through HAProxy) -> {body.strip()}")
    demo.task_urls.insert(0, url)
    return EXIT_OK
