"""Marathon health checks against real listeners on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from paasta_tools.devcluster.executors.noop import NoopExecutor
from paasta_tools.devcluster.health import (
    http_status_is_healthy,
    resolve_port,
    run_health_check,
    run_readiness_check,
)
from tests.conftest import free_port


class _StatusHandler(http.server.BaseHTTPRequestHandler):
    """Answers /status/<code> with that code, /slow after a long pause."""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path == "/slow":
            threading.Event().wait(2)
        code = int(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/status/") else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StatusHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def check(check_dict: dict, ports: list[int]) -> tuple[bool, str]:
    return asyncio.run(run_health_check(check_dict, "127.0.0.1", ports, NoopExecutor(), "task-1"))


@pytest.mark.parametrize(("path", "healthy"), [("/status/200", True), ("/status/302", True), ("/status/399", True)])
def test_http_success_statuses(http_port: int, path: str, healthy: bool) -> None:
    assert check({"protocol": "HTTP", "path": path, "portIndex": 0}, [http_port])[0] is healthy


@pytest.mark.parametrize("code", [400, 404, 500, 503])
def test_http_failure_statuses(http_port: int, code: int) -> None:
    healthy, message = check({"protocol": "HTTP", "path": f"/status/{code}"}, [http_port])
    assert healthy is False
    assert f"HTTP {code}" in message


def test_http_uses_port_index(http_port: int) -> None:
    closed = free_port()
    assert check({"protocol": "HTTP", "path": "/", "portIndex": 1}, [closed, http_port])[0] is True
    assert check({"protocol": "HTTP", "path": "/", "portIndex": 0}, [closed, http_port])[0] is False


def test_http_fixed_port_wins_over_port_index(http_port: int) -> None:
    assert check({"protocol": "HTTP", "port": http_port, "portIndex": 0}, [free_port()])[0] is True


def test_http_timeout_is_a_failure(http_port: int) -> None:
    healthy, message = check({"protocol": "HTTP", "path": "/slow", "timeoutSeconds": 0.3}, [http_port])
    assert healthy is False
    assert "timed out" in message


def test_http_connection_refused_is_a_failure() -> None:
    healthy, message = check({"protocol": "HTTP", "path": "/"}, [free_port()])
    assert healthy is False
    assert "127.0.0.1" in message


def test_mesos_http_behaves_like_http(http_port: int) -> None:
    assert check({"protocol": "MESOS_HTTP", "path": "/status/204"}, [http_port])[0] is True


def test_tcp_connects() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert check({"protocol": "TCP", "portIndex": 0}, [port]) == (True, f"tcp 127.0.0.1:{port}: connected")
        assert check({"protocol": "MESOS_TCP"}, [port])[0] is True


def test_tcp_refused_is_a_failure() -> None:
    assert check({"protocol": "TCP"}, [free_port()])[0] is False


def test_port_index_out_of_range_is_a_failure_not_a_crash() -> None:
    healthy, message = check({"protocol": "HTTP", "portIndex": 3}, [1234])
    assert healthy is False
    assert "portIndex 3" in message


def test_unknown_protocol_is_a_failure() -> None:
    healthy, message = check({"protocol": "GOPHER"}, [1234])
    assert (healthy, "GOPHER" in message) == (False, True)


def test_command_without_value_is_a_failure() -> None:
    assert check({"protocol": "COMMAND", "command": {}}, [])[0] is False


def test_resolve_port_defaults_to_first_port() -> None:
    assert resolve_port({}, [31001, 31002]) == 31001
    with pytest.raises(ValueError, match="has 0 port"):
        resolve_port({"portIndex": 0}, [])


def test_http_1xx_rule() -> None:
    assert http_status_is_healthy(101) is False
    assert http_status_is_healthy(101, ignore_http1xx=True) is True
    assert http_status_is_healthy(400) is False


def readiness(check_dict: dict, port: int):
    return asyncio.run(run_readiness_check(check_dict, "127.0.0.1", port))


def test_readiness_is_a_status_of_http_status_codes_for_ready(http_port: int) -> None:
    check_dict = {"protocol": "HTTP", "path": "/status/204", "timeoutSeconds": 2, "httpStatusCodesForReady": [200]}
    answer = readiness(check_dict, http_port)
    assert (answer.ready, answer.status, answer.body) == (False, 204, "")
    assert readiness({**check_dict, "httpStatusCodesForReady": [200, 204]}, http_port).ready is True
    assert readiness({**check_dict, "path": "/status/302"}, http_port).status == 302  # redirects are not followed


def test_readiness_without_an_answer_is_not_ready(http_port: int) -> None:
    slow = readiness(
        {"protocol": "HTTP", "path": "/slow", "timeoutSeconds": 0.3, "httpStatusCodesForReady": [200]}, http_port
    )
    assert (slow.ready, slow.status) == (False, None) and "timed out" in slow.message
    refused = readiness(
        {"protocol": "HTTP", "path": "/", "timeoutSeconds": 1, "httpStatusCodesForReady": [200]}, free_port()
    )
    assert (refused.ready, refused.status) == (False, None)
