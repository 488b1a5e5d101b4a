from __future__ import annotations

from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.config.marathon_config import MarathonServiceConfig
from paasta_tools.local_run.env import local_run_env

IMAGE = "services-svc:paasta-abc"
BRANCH = {"docker_image": IMAGE, "desired_state": "start", "force_bounce": None}
COMMON = {
    "HOST": "box.example",
    "MESOS_SANDBOX": "/mnt/mesos/sandbox",
    "MESOS_CONTAINER_NAME": "mesos-simulated-container-name",
    "MESOS_TASK_ID": "simulated_mesos_task_id",
}


def test_marathon_env_simulates_marathon_and_mesos() -> None:
    config = MarathonServiceConfig(
        "svc", "norcal", "main", {"env": {"FOO": "bar"}, "cpus": 0.5, "mem": 300}, branch_dict=BRANCH
    )
    env = local_run_env(config, 31000, "box.example", docker_tag=None, run_time=1489573230)
    assert env == {
        "PAASTA_SERVICE": "svc",
        "PAASTA_INSTANCE": "main",
        "PAASTA_CLUSTER": "norcal",
        "PAASTA_DOCKER_IMAGE": IMAGE,
        "FOO": "bar",
        **COMMON,
        "MARATHON_PORT": "31000",
        "MARATHON_PORT0": "31000",
        "MARATHON_PORTS": "31000",
        "MARATHON_PORT_8888": "31000",
        "MARATHON_APP_VERSION": "simulated_marathon_app_version",
        "MARATHON_APP_RESOURCE_CPUS": "0.5",
        "MARATHON_APP_RESOURCE_MEM": "300.0",
        "MARATHON_APP_RESOURCE_DISK": "1024.0",
        "MARATHON_APP_DOCKER_IMAGE": IMAGE,
        "MARATHON_APP_LABELS": "",
        "MARATHON_APP_ID": "/simulated_marathon_app_id",
        "MARATHON_HOST": "box.example",
    }
    assert list(env)[:5] == ["PAASTA_SERVICE", "PAASTA_INSTANCE", "PAASTA_CLUSTER", "PAASTA_DOCKER_IMAGE", "FOO"]


def test_chronos_env_simulates_chronos() -> None:
    config = ChronosJobConfig("svc", "norcal", "nightly", {"cpus": 1, "mem": 64}, branch_dict=BRANCH)
    env = local_run_env(config, 31000, "box.example", docker_tag=None, run_time=1489573230)
    assert {k: v for k, v in env.items() if not k.startswith("PAASTA_")} == {
        **COMMON,
        "CHRONOS_RESOURCE_DISK": "1024",
        "CHRONOS_RESOURCE_CPU": "1",
        "CHRONOS_RESOURCE_MEM": "64",
        "CHRONOS_JOB_OWNER": "simulated-owner",
        "CHRONOS_JOB_RUN_TIME": "1489573230",
        "CHRONOS_JOB_NAME": "svc nightly",
        "CHRONOS_JOB_RUN_ATTEMPT": "0",
        "mesos_task_id": "ct:simulated-task-id",
    }


def test_adhoc_env_has_no_framework_variables_and_falls_back_to_docker_tag() -> None:
    config = AdhocJobConfig("svc", "norcal", "interactive", {}, branch_dict=None)
    env = local_run_env(config, 31000, "box.example", docker_tag="paasta-local-run-svc-me", run_time=0)
    assert env == {
        "PAASTA_SERVICE": "svc",
        "PAASTA_INSTANCE": "interactive",
        "PAASTA_CLUSTER": "norcal",
        "PAASTA_DOCKER_IMAGE": "paasta-local-run-svc-me",
        **COMMON,
    }


def test_user_env_cannot_override_simulated_variables() -> None:
    config = MarathonServiceConfig("svc", "norcal", "main", {"env": {"MESOS_TASK_ID": "mine", "HOST": "h"}})
    env = local_run_env(config, 1, "box.example", docker_tag="tag", run_time=0)
    assert env["MESOS_TASK_ID"] == "simulated_mesos_task_id"
    assert env["HOST"] == "box.example"
    assert env["PAASTA_DOCKER_IMAGE"] == "tag"
