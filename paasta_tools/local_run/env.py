"""The environment of a local-run container: the instance's env plus what Mesos and the framework inject.

On a cluster Mesos sets ``MESOS_*`` and Marathon/Chronos add their own variables; local-run simulates
them with fixed placeholder values so a service that reads them behaves as it would in production.
"""

from __future__ import annotations

from paasta_tools.config.instance_config import InstanceConfig

CONTAINER_PORT = 8888
MESOS_SANDBOX = "/mnt/mesos/sandbox"
SIMULATED_CONTAINER_NAME = "mesos-simulated-container-name"
SIMULATED_TASK_ID = "simulated_mesos_task_id"
SIMULATED_APP_VERSION = "simulated_marathon_app_version"
SIMULATED_APP_ID = "/simulated_marathon_app_id"
SIMULATED_JOB_OWNER = "simulated-owner"
SIMULATED_CHRONOS_TASK_ID = "ct:simulated-task-id"


def docker_image_for_env(config: InstanceConfig, docker_tag: str | None) -> str:
    """``PAASTA_DOCKER_IMAGE``: the deployed image, else the ``DOCKER_TAG`` local-run built ('' if neither)."""
    return config.get_docker_image() or docker_tag or ""


def marathon_env(config: InstanceConfig, port: int, hostname: str, docker_image: str) -> dict[str, str]:
    """What Marathon injects into a task with one port mapped to 8888."""
    return {
        "MARATHON_PORT": str(port),
        "MARATHON_PORT0": str(port),
        "MARATHON_PORTS": str(port),
        f"MARATHON_PORT_{CONTAINER_PORT}": str(port),
        "MARATHON_APP_VERSION": SIMULATED_APP_VERSION,
        "MARATHON_APP_RESOURCE_CPUS": str(config.get_cpus()),
        "MARATHON_APP_RESOURCE_MEM": str(config.get_mem()),
        "MARATHON_APP_RESOURCE_DISK": str(config.get_disk()),
        "MARATHON_APP_DOCKER_IMAGE": docker_image,
        "MARATHON_APP_LABELS": "",
        "MARATHON_APP_ID": SIMULATED_APP_ID,
        "MARATHON_HOST": hostname,
    }


def chronos_env(config: InstanceConfig, run_time: int) -> dict[str, str]:
    """What Chronos injects into a job's task; ``run_time`` is the epoch second of the run."""
    return {
        "CHRONOS_RESOURCE_DISK": str(config.get_disk()),
        "CHRONOS_RESOURCE_CPU": str(config.get_cpus()),
        "CHRONOS_RESOURCE_MEM": str(config.get_mem()),
        "CHRONOS_JOB_OWNER": SIMULATED_JOB_OWNER,
        "CHRONOS_JOB_RUN_TIME": str(run_time),
        "CHRONOS_JOB_NAME": f"{config.service} {config.instance}",
        "CHRONOS_JOB_RUN_ATTEMPT": "0",
        "mesos_task_id": SIMULATED_CHRONOS_TASK_ID,
    }


def local_run_env(
    config: InstanceConfig, port: int, hostname: str, docker_tag: str | None, run_time: int
) -> dict[str, str]:
    """The full container env: instance env (PAASTA_* and the user's ``env``) then the simulated variables.

    ``docker_tag`` is ``$DOCKER_TAG`` (the image local-run built), used when deployments.json has none.
    """
    docker_image = docker_image_for_env(config, docker_tag)
    env = config.get_env()
    env.update(
        {
            "HOST": hostname,
            "MESOS_SANDBOX": MESOS_SANDBOX,
            "MESOS_CONTAINER_NAME": SIMULATED_CONTAINER_NAME,
            "MESOS_TASK_ID": SIMULATED_TASK_ID,
            "PAASTA_DOCKER_IMAGE": docker_image,
        }
    )
    if config.instance_type == "marathon":
        env.update(marathon_env(config, port, hostname, docker_image))
    elif config.instance_type == "chronos":
        env.update(chronos_env(config, run_time))
    return env
