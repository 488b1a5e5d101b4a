"""Deciding whether a marked commit is deployed, and the waiting loop driven by plain fetch functions."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.cli.cmds.wait_for_deployment import check_deploy_group_in_use, check_latest_marked, marked_deployments
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.deploy_wait import (
    InstanceProgress,
    marathon_progress,
    progress_lines,
    summarize,
    timeout_message,
)
from paasta_tools.errors import DeployGroupError, PaastaError
from paasta_tools.marathon.deploy_status import QueueStatus
from paasta_tools.operations.wait_for_deployment import DeploymentWaiter, DeployTarget, WaitOutcome
from paasta_tools.status.marathon import build_marathon_status

NOW = datetime.datetime(2017, 3, 15, 10, 20, 30, tzinfo=datetime.UTC)
SHA = "abcdef0123456789abcdef0123456789abcdef01"
APP_ID = "svc.main.gitabcdef01.configdeadbeef"
OLD_ID = "svc.main.git01234567.config00000000"


def _status(apps, expected=3, state="start", queue=()):
    branch = {"docker_image": f"services-svc:paasta-{SHA}", "desired_state": state, "force_bounce": None}
    config = MarathonServiceConfig("svc", "c1", "main", {"instances": expected}, branch)
    return build_marathon_status(config, APP_ID, apps, list(queue), None, NOW)


def _app(app_id=APP_ID, instances=3, running=3, unhealthy=0, deployments=()):
    return {
        "id": "/" + app_id,
        "instances": instances,
        "tasksRunning": running,
        "tasksHealthy": running - unhealthy,
        "tasksUnhealthy": unhealthy,
        "deployments": [{"id": d} for d in deployments],
        "tasks": [],
    }


def test_only_app_running_with_expected_count_is_deployed():
    progress = marathon_progress(_status([_app()]))
    assert progress == InstanceProgress("c1", "main", True, "looks 100% deployed at 3 instances on abcdef01")
    assert progress.line("svc") == "svc.main on c1 looks 100% deployed at 3 instances on abcdef01"


@pytest.mark.parametrize(
    "apps, queue, detail",
    [
        ([], (), f"is not created yet: no Marathon app {APP_ID}"),
        ([_app(OLD_ID)], (), f"is not created yet: no Marathon app {APP_ID}; still running {OLD_ID}"),
        ([_app(), _app(OLD_ID)], (), f"is still bouncing, 2 versions running (old: {OLD_ID})"),
        (
            [_app(running=1), _app(OLD_ID)],
            (),
            f"is still bouncing, 2 versions running (old: {OLD_ID}); the new app isn't scaled up yet, has 1 out of 3",
        ),
        ([_app(running=1, deployments=["d1"])], (), "is deploying: a Marathon deployment is in progress"),
        ([_app(running=3, unhealthy=1)], (), "is unhealthy: 1 of 3 tasks failing health checks"),
        ([_app(running=2)], (), "isn't scaled up yet, has 2 out of 3"),
        ([_app(running=4)], (), "isn't scaled down yet, has 4 out of 3"),
    ],
)
def test_waiting_reasons(apps, queue, detail):
    progress = marathon_progress(_status(apps, queue=queue))
    assert not progress.done
    assert progress.detail == detail


def test_delayed_and_waiting_for_resources_say_why():
    delayed = _status([_app(running=0)], queue=[QueueStatus("/" + APP_ID, 3, 17, False)])
    progress = marathon_progress(delayed)
    assert not progress.done
    assert progress.detail == (
        "is delayed: tasks are crashing, the next launch is in 17s (launch backoff: 3 task(s) queued after crashes)"
    )
    waiting = _status([_app(running=0)], queue=[QueueStatus(APP_ID, 3, 0, True)])
    assert marathon_progress(waiting).detail.startswith("is waiting for resources: no Mesos offer fits its tasks yet")


def test_stopped_or_zero_instances_count_as_deployed_whatever_runs():
    stopped = marathon_progress(_status([_app(OLD_ID)], state="stop"))
    assert stopped.done and stopped.detail == "is marked as stopped. Marked as deployed."
    assert marathon_progress(_status([], expected=0)).done


def test_autoscaled_instance_expects_its_apps_count():
    status = _status([_app(instances=5, running=5)])
    assert not marathon_progress(status).done
    assert marathon_progress(status, expected=5).done


def test_progress_lines_and_timeout_message():
    waiting = [
        InstanceProgress("c2", "main", False, "isn't scaled up yet, has 1 out of 2"),
        InstanceProgress("c1", "canary", False, "is not created yet: no Marathon app x"),
    ]
    progress = summarize(3, waiting)
    assert progress.percent == 33 and not progress.complete
    assert progress_lines("svc", progress) == [
        "Deployed 1 of 3 instances (33%), waiting on:",
        "  svc.canary on c1 is not created yet: no Marathon app x",
        "  svc.main on c2 isn't scaled up yet, has 1 out of 2",
    ]
    assert progress_lines("svc", summarize(2, [])) == ["Deployed 2 of 2 instances (100%)"]
    text = timeout_message("svc", "prod", SHA, 30, progress.waiting_by_cluster())
    assert "Timed out after 30 seconds, waiting for svc in prod to be deployed by PaaSTA." in text
    assert "  paasta status -c c1 -s svc -i canary\n  paasta status -c c2 -s svc -i main\n\n" in text
    assert "  paasta logs -c c1 -s svc -i canary -C deploy -l 1000\n" in text
    assert text.endswith(f"  paasta wait-for-deployment -s svc -l prod -c {SHA}")


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _waiter(targets, fetch, clock, lines, interval=5.0):
    return DeploymentWaiter("svc", targets, fetch, lines.append, poll_interval=interval, clock=clock, sleep=clock.sleep)


def test_waiter_polls_until_every_cluster_is_done():
    targets = [
        DeployTarget("c1", "main", "marathon"),
        DeployTarget("c2", "main", "marathon"),
        DeployTarget("c1", "job", "chronos"),
    ]
    rounds = {"c1": 0, "c2": 0}

    def fetch(cluster, pending):
        rounds[cluster] += 1
        done = cluster == "c1" or rounds[cluster] >= 3
        return [InstanceProgress(cluster, t.instance, done, "ok" if done else "is bouncing") for t in pending]

    clock, lines = FakeClock(), []
    result = _waiter(targets, fetch, clock, lines).run(timeout=100)
    assert result.outcome is WaitOutcome.DEPLOYED and result.progress.complete
    assert rounds == {"c1": 1, "c2": 3}  # a finished cluster is not asked again
    assert clock.sleeps == [5.0, 5.0]
    assert lines[0] == "Complete: svc.job on c1 is a chronos instance, not a Marathon one. Marked as deployed."
    assert "Deploy to c1 complete!" in lines and "Deploy to c2 complete!" in lines
    assert lines.count("  svc.main on c2 is bouncing") == 1  # unchanged progress is not repeated
    assert lines[-1] == "Deployed 3 of 3 instances (100%)"


def test_waiter_times_out_without_sleeping_past_the_deadline_and_survives_a_broken_cluster():
    def fetch(cluster, pending):
        if cluster == "broken":
            raise PaastaError("Marathon of cluster broken failed: connection refused")
        return [InstanceProgress(cluster, t.instance, False, "is bouncing") for t in pending]

    targets = [DeployTarget("c1", "main", "marathon"), DeployTarget("broken", "main", "marathon")]
    clock, lines = FakeClock(), []
    result = _waiter(targets, fetch, clock, lines, interval=600).run(timeout=75)
    assert result.outcome is WaitOutcome.TIMED_OUT
    assert clock.sleeps == [60.0, 15.0]  # bounded interval, then only what is left
    assert result.progress.waiting_by_cluster() == {"broken": ["main"], "c1": ["main"]}
    assert "  svc.main on broken could not be checked: Marathon of cluster broken failed: connection refused" in lines


def test_waiter_ctrl_c_is_aborted():
    def interrupt(seconds):
        raise KeyboardInterrupt

    targets = [DeployTarget("c1", "main", "marathon")]
    lines: list[str] = []
    waiter = DeploymentWaiter(
        "svc", targets, lambda c, ts: [InstanceProgress(c, "main", False, "is x")], lines.append, 1.0,
        sleep=interrupt,
    )  # fmt: skip
    result = waiter.run(timeout=10)
    assert result.outcome is WaitOutcome.ABORTED
    assert result.progress.waiting_by_cluster() == {"c1": ["main"]}
    assert lines[-1] == "KeyboardInterrupt received. Terminating.."


def test_marked_deployments_take_control_tags_on_the_marked_sha_only():
    other = "0" * 40
    refs = {
        "refs/tags/paasta-c1.main-20170101T000000-stop": SHA,
        "refs/tags/paasta-c1.canary-20170101T000000-stop": other,
    }
    targets = [DeployTarget("c1", "main", "marathon"), DeployTarget("c1", "canary", "marathon")]
    deployments = marked_deployments("svc", SHA, targets, refs)
    assert deployments.get_branch_dict("svc", "c1.main") == {
        "docker_image": f"services-svc:paasta-{SHA}",
        "desired_state": "stop",
        "force_bounce": "20170101T000000",
    }
    assert deployments.get_branch_dict("svc", "c1.canary")["desired_state"] == "start"


def test_check_latest_marked_accepts_the_latest_sha_or_its_prefix():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": "1" * 40,
        "refs/tags/paasta-prod-20170102T000000-deploy": SHA,
    }
    assert check_latest_marked(SHA, refs, "prod", "svc") == SHA
    assert check_latest_marked("abcdef01", refs, "prod", "svc") == SHA
    with pytest.raises(DeployGroupError, match=f"ERROR: The latest git SHA marked for deployment in prod is {SHA}"):
        check_latest_marked("1" * 40, refs, "prod", "svc")
    with pytest.raises(DeployGroupError, match="ERROR: Nothing is marked for deployment in canary for svc"):
        check_latest_marked(SHA, refs, "canary", "svc")
    with pytest.raises(DeployGroupError, match="not currently used anywhere: prdo.\n.*\n   canary,prod"):
        check_deploy_group_in_use("prdo", ["canary", "prod"])


def test_verbose_waiter_repeats_unchanged_progress_every_round():
    rounds = []

    def fetch(cluster, pending):
        rounds.append(cluster)
        done = len(rounds) >= 3
        return [InstanceProgress(cluster, t.instance, done, "ok" if done else "is bouncing") for t in pending]

    clock, lines = FakeClock(), []
    waiter = DeploymentWaiter(
        "svc", [DeployTarget("c1", "main", "marathon")], fetch, lines.append, 1.0,
        clock=clock, sleep=clock.sleep, heartbeat=0,
    )  # fmt: skip
    assert waiter.run(timeout=10).outcome is WaitOutcome.DEPLOYED
    assert lines.count("  svc.main on c1 is bouncing") == 2
