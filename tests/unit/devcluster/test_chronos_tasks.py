"""What a Chronos job runs as: task ids, TaskSpecs from containers or commands, the Mesos view."""

from __future__ import annotations

from paasta_tools.devcluster.chronos.jobs import parse_job
from paasta_tools.devcluster.chronos.tasks import (
    build_task_spec,
    clean_arguments,
    mesos_task,
    offer_matches,
    spec_from_doc,
    spec_to_doc,
    task_id,
)
from paasta_tools.devcluster.executors.base import DockerSpec, Volume


def test_task_ids_follow_chronos() -> None:
    assert task_id(1489573230000, 0, "svc main") == "ct:1489573230000:0:svc main:"
    assert task_id(1, 2, "j", clean_arguments("a;b")) == "ct:1:2:j:ab"


def test_docker_job_becomes_a_docker_task_with_chronos_environment() -> None:
    job = parse_job(
        {
            "name": "svc main",
            "command": "./run.sh",
            "owner": "team@example.com",
            "cpus": 0.5,
            "mem": 64,
            "environmentVariables": [{"name": "PAASTA_SERVICE", "value": "svc"}, {"name": "HOST", "value": "mine"}],
            "container": {
                "type": "DOCKER",
                "image": "127.0.0.1:15000/svc:abc",
                "network": "BRIDGE",
                "volumes": [
                    {"hostPath": "/nail/etc", "containerPath": "/nail/etc", "mode": "RO"},
                    {"containerPath": "/scratch"},
                ],
                "parameters": [{"key": "memory-swap", "value": "64m"}, {"key": "label", "value": "paasta_service=svc"}],
            },
        }
    )
    spec = build_task_spec(job, "ct:1:0:svc main:", "", "agent.local")
    assert spec.framework == "chronos"
    assert (spec.cmd, spec.args, spec.shell) == ("./run.sh", None, True)
    assert spec.docker == DockerSpec(
        image="127.0.0.1:15000/svc:abc",
        network="BRIDGE",
        parameters=(("memory-swap", "64m"), ("label", "paasta_service=svc")),
    )
    assert spec.volumes == (Volume("/nail/etc", "/nail/etc", "RO"),)
    assert (spec.cpus, spec.mem, spec.disk) == (0.5, 64.0, 256.0)
    assert spec.env["CHRONOS_JOB_NAME"] == "svc main"
    assert spec.env["CHRONOS_JOB_OWNER"] == "team@example.com"
    assert spec.env["CHRONOS_RESOURCE_MEM"] == "64.0"
    assert spec.env["mesos_task_id"] == "ct:1:0:svc main:"
    assert spec.env["PAASTA_SERVICE"] == "svc"
    assert spec.env["HOST"] == "mine"
    assert spec_from_doc(spec_to_doc(spec)) == spec


def test_non_shell_job_runs_its_command_with_arguments_as_argv() -> None:
    job = parse_job({"name": "j", "command": "/bin/echo", "shell": False, "arguments": ["a b", "c"]})
    spec = build_task_spec(job, "ct:1:0:j:x", "x", "agent.local")
    assert (spec.cmd, spec.args, spec.shell, spec.docker) == ("/bin/echo x", ("a b", "c"), False, None)
    assert spec_from_doc(spec_to_doc(spec)) == spec


def test_mesos_task_shape() -> None:
    task = mesos_task(
        "ct:1:0:j:", "j", {"cpus": 0.1}, "TASK_RUNNING", [("TASK_RUNNING", 5.0)], {"framework_id": "f", "slave_id": "s"}
    )
    assert task["name"] == "ChronosTask:j"
    assert (task["framework_id"], task["slave_id"], task["state"]) == ("f", "s", "TASK_RUNNING")
    assert task["statuses"] == [{"state": "TASK_RUNNING", "timestamp": 5.0}]


def test_constraints_against_the_agent() -> None:
    attributes = {"pool": "default", "region": "devregion"}
    constraints = [["pool", "LIKE", "def.*"], ["region", "EQUALS", "devregion"]]
    job = parse_job({"name": "j", "command": "c", "constraints": constraints})
    assert offer_matches(job, attributes, "agent.local")
    assert not offer_matches({**job, "constraints": [["pool", "LIKE", "def"]]}, attributes, "agent.local")
    assert not offer_matches({**job, "constraints": [["rack", "EQUALS", "r1"]]}, attributes, "agent.local")
    assert offer_matches({**job, "constraints": [["rack", "UNLIKE", "r1"]]}, attributes, "agent.local")
    assert not offer_matches({**job, "constraints": [["hostname", "UNLIKE", "agent.*"]]}, attributes, "agent.local")
    assert not offer_matches({**job, "constraints": [["pool", "LIKE", "(["]]}, attributes, "agent.local")
