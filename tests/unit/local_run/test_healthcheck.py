from __future__ import annotations

from paasta_tools.clients.docker_runner import Clock, simulate_healthcheck
from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.config.smartstack import ServiceNamespaceConfig, namespace_config_from_dict
from paasta_tools.local_run.healthcheck import (
    HealthcheckPolicy,
    HealthcheckProgress,
    HealthcheckTarget,
    LineColor,
    Verdict,
    healthcheck_policy,
    healthcheck_target,
    http_result,
)

IN_SMARTSTACK = namespace_config_from_dict("main", {"proxy_port": 20001, "healthcheck_uri": "/health"}, "test")
NOT_IN_SMARTSTACK = ServiceNamespaceConfig()


def test_targets_by_mode() -> None:
    plain = MarathonServiceConfig("svc", "c", "main", {})
    assert healthcheck_target(plain, IN_SMARTSTACK, 31000) == HealthcheckTarget("http", "http://127.0.0.1:31000/health")
    assert healthcheck_target(plain, NOT_IN_SMARTSTACK, 31000) is None
    tcp = MarathonServiceConfig("svc", "c", "main", {"healthcheck_mode": "tcp"})
    assert healthcheck_target(tcp, NOT_IN_SMARTSTACK, 31000) == HealthcheckTarget("tcp", "tcp://127.0.0.1:31000")
    cmd = MarathonServiceConfig("svc", "c", "main", {"healthcheck_mode": "cmd", "healthcheck_cmd": "check.sh"})
    assert healthcheck_target(cmd, IN_SMARTSTACK, 31000) == HealthcheckTarget("cmd", "check.sh")


def test_batch_instances_have_no_healthcheck() -> None:
    assert healthcheck_target(ChronosJobConfig("svc", "c", "job", {}), IN_SMARTSTACK, 1) is None
    assert healthcheck_target(AdhocJobConfig("svc", "c", "interactive", {}), IN_SMARTSTACK, 1) is None


def test_policy_defaults_are_marathons() -> None:
    assert healthcheck_policy(MarathonServiceConfig("svc", "c", "main", {})) == HealthcheckPolicy(60, 10, 10, 30)


POLICY = HealthcheckPolicy(grace_period_seconds=5, interval_seconds=1, timeout_seconds=1, max_consecutive_failures=2)


def test_failures_in_grace_period_are_disregarded_then_counted() -> None:
    progress = HealthcheckProgress(POLICY, "http://x/status")
    progress, line, verdict = progress.record(False, "code 500", elapsed=1)
    assert (line.colored, line.color, verdict) == (
        "Healthcheck failed! (disregarded due to grace period)",
        LineColor.GREY,
        Verdict.CONTINUE,
    )
    assert line.plain == " (via: http://x/status. Output: code 500)"
    progress, line, verdict = progress.record(False, "code 500", elapsed=6)
    assert (line.colored, line.color, verdict) == (
        "Healthcheck failed! (Attempt 1 of 2)",
        LineColor.RED,
        Verdict.CONTINUE,
    )
    progress, line, verdict = progress.record(False, "code 500", elapsed=7)
    assert (line.colored, verdict) == ("Healthcheck failed! (Attempt 2 of 2)", Verdict.FAILED)


def test_success_stops_the_loop() -> None:
    _, line, verdict = HealthcheckProgress(POLICY, "tcp://x:1").record(True, "tcp connection succeeded", elapsed=0)
    assert verdict is Verdict.PASSED
    assert (line.colored, line.color, line.plain) == (
        "Healthcheck succeeded!: ",
        LineColor.GREEN,
        "'tcp connection succeeded' (via tcp://x:1)",
    )


def test_http_results() -> None:
    assert http_result(200, "text/html") == (True, "http request succeeded, code 200")
    assert http_result(302, None) == (True, "http request succeeded, code 302")
    assert http_result(404, "text/html") == (False, "http request failed, code 404")
    assert http_result(200, "text/html, text/plain")[0] is False


class FakeContainer:
    """Answers like the docker SDK's Container for a cmd health check: exec results in order."""

    id = "c0ffee"

    def __init__(self, exec_results: list[tuple[int, bytes]], running: bool = True, exit_code: int = 0) -> None:
        self.exec_results = list(exec_results)
        self.commands: list[list[str]] = []
        self.attrs = {"State": {"Running": running, "ExitCode": exit_code}}

    def reload(self) -> None:
        pass

    def exec_run(self, cmd: list[str]) -> tuple[int, bytes]:
        self.commands.append(cmd)
        return self.exec_results.pop(0)


class Recorder:
    def __init__(self) -> None:
        self.lines: list[tuple[str, LineColor | None, str]] = []

    def line(self, text: str, color: LineColor | None = None, plain: str = "") -> None:
        self.lines.append((text, color, plain))

    def raw(self, data: bytes) -> None:
        self.lines.append((data.decode(), None, ""))


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def test_loop_runs_cmd_checks_inside_the_container_until_success() -> None:
    container = FakeContainer([(1, b"not yet"), (1, b"not yet"), (0, b"fine\n")])
    clock = FakeClock()
    recorder = Recorder()
    policy = HealthcheckPolicy(
        grace_period_seconds=1.5, interval_seconds=1, timeout_seconds=2, max_consecutive_failures=3
    )
    passed = simulate_healthcheck(
        container, HealthcheckTarget("cmd", "test -f /ok"), policy, recorder, Clock(clock.now, clock.sleep)
    )
    assert passed is True
    assert container.commands == [["sh", "-c", "test -f /ok"]] * 3
    assert [text for text, _, _ in recorder.lines[1:]] == [
        "Healthcheck failed! (disregarded due to grace period)",
        "Healthcheck failed! (disregarded due to grace period)",
        "Healthcheck succeeded!: ",
    ]
    assert recorder.lines[-1][2] == "'fine' (via test -f /ok)"


def test_loop_gives_up_after_max_failures_and_notices_exits() -> None:
    clock = FakeClock()
    recorder = Recorder()
    container = FakeContainer([(1, b"bad")] * 5)
    passed = simulate_healthcheck(
        container,
        HealthcheckTarget("cmd", "false"),
        HealthcheckPolicy(0, 1, 1, 2),
        recorder,
        Clock(clock.now, clock.sleep),
    )
    assert passed is False
    assert [t for t, _, _ in recorder.lines[1:]] == [
        "Healthcheck failed! (Attempt 1 of 2)",
        "Healthcheck failed! (Attempt 2 of 2)",
    ]
    exited = FakeContainer([], running=False, exit_code=7)
    recorder = Recorder()
    assert (
        simulate_healthcheck(exited, HealthcheckTarget("cmd", "true"), POLICY, recorder, Clock(clock.now, clock.sleep))
        is False
    )
    assert recorder.lines[-1][:2] == ("Container exited with code 7", LineColor.RED)
