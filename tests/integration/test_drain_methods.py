"""Drain methods against real HTTP servers on 127.0.0.1 (a hacheck stand-in and a recording server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paasta_tools.clients import drain_methods as dm
from paasta_tools.errors import DrainError, InvalidDrainMethodError
from paasta_tools.marathon.tasks import MarathonTask
from tests.conftest import free_port
from tests.integration.hacheck_fake import Hacheck, serve_hacheck
from tests.integration.http_recorder import Recorder, serve_recorder

TASK = MarathonTask(id="web_main.t1", host="127.0.0.1", ports=(31000,))
PORTLESS = MarathonTask(id="web_main.t2", host="127.0.0.1", ports=())


class Clock:
    def __init__(self) -> None:
        self.now = 1_489_573_230.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hacheck(clock: Clock) -> Iterator[Hacheck]:
    with serve_hacheck(clock) as fake:
        yield fake


def _hacheck_method(hacheck: Hacheck, clock: Clock, **params) -> dm.HacheckDrainMethod:
    method = dm.get_drain_method(
        "hacheck", "web", "canary", "main", {"delay": 60, "hacheck_port": hacheck.port, **params}
    )
    method.clock = clock
    return method


def test_hacheck_drain_cycle(hacheck: Hacheck, clock: Clock) -> None:
    method = _hacheck_method(hacheck, clock)
    assert method.spool_url(TASK) == f"http://127.0.0.1:{hacheck.port}/spool/web.main/31000/status"
    assert not method.is_draining(TASK) and not method.is_safe_to_kill(TASK)
    method.drain(TASK)
    assert hacheck.posts[-1] == {
        "path": "/spool/web.main/31000/status",
        "status": "down",
        "expiration": str(clock.now + 600),
        "reason": "Drained by Paasta",
    }
    assert method.is_draining(TASK)
    assert not method.is_safe_to_kill(TASK)
    clock.now += 61
    assert method.is_safe_to_kill(TASK)
    method.stop_draining(TASK)
    assert hacheck.posts[-1] == {"path": "/spool/web.main/31000/status", "status": "up"}
    assert not method.is_draining(TASK)


def test_hacheck_expiration_param_and_expired_spool(hacheck: Hacheck, clock: Clock) -> None:
    method = _hacheck_method(hacheck, clock, expiration=30)
    method.drain(TASK)
    assert hacheck.posts[-1]["expiration"] == str(clock.now + 30)
    clock.now += 31
    assert not method.is_draining(TASK)
    assert dm.HacheckDrainMethod("s", "i", "n").delay == 120


def test_hacheck_task_without_ports_is_a_no_op(hacheck: Hacheck, clock: Clock) -> None:
    method = _hacheck_method(hacheck, clock)
    method.drain(PORTLESS)
    assert hacheck.posts == []
    assert method.spool_url(PORTLESS) is None
    assert not method.is_draining(PORTLESS) and not method.is_safe_to_kill(PORTLESS)


def test_hacheck_unreachable_or_garbled_is_a_drain_error(clock: Clock) -> None:
    with serve_recorder() as garbled:
        garbled.on("GET", "/spool/web.main/31000/status", status=503, body=b"gateway trouble")
        port = int(garbled.url.rsplit(":", 1)[1])
        method = dm.get_drain_method("hacheck", "web", "canary", "main", {"hacheck_port": port})
        with pytest.raises(DrainError, match="unparseable"):
            method.is_draining(TASK)
    dead = dm.get_drain_method("hacheck", "web", "canary", "main", {"hacheck_port": free_port()})
    with pytest.raises(DrainError, match="did not answer"):
        dead.drain(TASK)


def test_parse_spool_body_variants() -> None:
    assert dm.parse_spool_body(
        "Service web.main in down state since 1489573230.5 until 1489573830.5: Drained by Paasta"
    ) == {
        "service": "web.main",
        "state": "down",
        "since": 1489573230.5,
        "until": 1489573830.5,
        "reason": "Drained by Paasta",
    }
    assert dm.parse_spool_body("Service web.main in down state")["since"] == 0


@pytest.fixture
def endpoint() -> Iterator[Recorder]:
    with serve_recorder() as recorder:
        yield recorder


def _http_method(url: str) -> dm.DrainMethod:
    return dm.get_drain_method(
        "http",
        "web",
        "canary",
        "main",
        {
            "drain": {"url_format": url + "/drain/{service}/{instance}/{nerve_ns}/{host}/{port}", "method": "post"},
            "stop_draining": {"url_format": url + "/up/{port}", "method": "POST", "success_codes": "200"},
            "is_draining": {"url_format": url + "/draining/{port}", "success_codes": "200,299-300"},
            "is_safe_to_kill": {"url_format": url + "/safe/{port}", "success_codes": 200},
        },
    )


def test_http_drain_method(endpoint: Recorder) -> None:
    method = _http_method(endpoint.url)
    endpoint.on("POST", "/drain/web/canary/main/127.0.0.1/31000", status=204)
    method.drain(TASK)
    assert endpoint.requests[-1].method == "POST"
    assert endpoint.requests[-1].headers["User-Agent"].startswith("PaaSTA Tools ")
    endpoint.on("POST", "/up/31000", status=500)
    with pytest.raises(DrainError, match="stop_draining"):
        method.stop_draining(TASK)
    endpoint.on("GET", "/draining/31000", status=300)
    endpoint.on("GET", "/safe/31000", status=503)
    assert method.is_draining(TASK) is True
    assert method.is_safe_to_kill(TASK) is False


def test_noop_test_and_crashy_methods() -> None:
    noop = dm.get_drain_method("noop", "web", "canary", "main")
    noop.drain(TASK)
    assert not noop.is_draining(TASK) and noop.is_safe_to_kill(TASK)
    dm.TestDrainMethod.reset()
    test = dm.get_drain_method("test", "web", "canary", "main")
    test.drain(TASK)
    assert test.is_draining(TASK) and not test.is_safe_to_kill(TASK)
    dm.TestDrainMethod.mark_arbitrary_task_as_safe_to_kill()
    assert test.is_draining(TASK) and test.is_safe_to_kill(TASK)
    test.stop_draining(TASK)
    assert not test.is_draining(TASK)
    with pytest.raises(DrainError):
        dm.get_drain_method("crashy_drain", "web", "canary", "main").drain(TASK)
    with pytest.raises(DrainError):
        dm.get_drain_method("crashy_is_safe_to_kill", "web", "canary", "main").is_safe_to_kill(TASK)


def test_registry_errors_name_the_problem() -> None:
    with pytest.raises(InvalidDrainMethodError) as exc:
        dm.get_drain_method("sponge", "web", "canary", "main")
    assert str(exc.value) == (
        "drain_method not recognized: sponge. Must be one of "
        "(crashy_drain, crashy_is_safe_to_kill, hacheck, http, noop, test)"
    )
    # the smartstack default params reach every method and are ignored where unused, as upstream did
    assert dm.get_drain_method("noop", "web", "canary", "main", {"delay": 60}).is_safe_to_kill(TASK)
    assert dm.get_drain_method("hacheck", "web", "canary", "main", {"dealy": 3}).delay == 120
    with pytest.raises(InvalidDrainMethodError, match="hacheck"):
        dm.get_drain_method("hacheck", "web", "canary", "main", {"delay": "soon"})
    with pytest.raises(InvalidDrainMethodError, match="missing: stop_draining, is_draining, is_safe_to_kill"):
        dm.get_drain_method("http", "web", "canary", "main", {"drain": {"url_format": "http://x"}})
    with pytest.raises(InvalidDrainMethodError, match="success_codes"):
        dm.parse_success_codes("200-abc")
    assert dm.parse_success_codes("200-202,407") == {200, 201, 202, 407}
