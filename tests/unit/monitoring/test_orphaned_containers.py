"""kill_orphaned_docker_containers' decision from an agent state and the engine's Mesos containers."""

from __future__ import annotations

from paasta_tools.monitoring.orphaned_containers import (
    AgentTasks,
    MesosContainer,
    agent_tasks,
    find_orphans,
    is_mesos_container_name,
    report,
    split_container_name,
    task_id_from_env,
)

AGENT = "a1b2-S0"


def executor(container: str, *tasks: tuple[str, str]) -> dict:
    return {"container": container, "tasks": [{"id": t, "state": s} for t, s in tasks], "queued_tasks": []}


STATE = {
    "id": AGENT,
    "frameworks": [
        {
            "executors": [
                executor("c-run", ("svc.main.1", "TASK_RUNNING")),
                executor("c-done", ("svc.main.0", "TASK_KILLED")),
            ]
        },
        {"executors": [{"container": "c-queued", "tasks": [], "queued_tasks": [{"id": "ct:1:0:svc job:"}]}]},
    ],
}


def test_live_tasks_and_their_containers():
    tasks = agent_tasks(STATE)
    assert tasks.agent_id == AGENT
    assert tasks.task_ids == {"svc.main.1", "ct:1:0:svc job:"}
    assert tasks.container_ids == {"c-run", "c-queued"}
    assert agent_tasks({}) == AgentTasks("", frozenset(), frozenset())


def test_names():
    assert is_mesos_container_name("/mesos-a1b2-S0.c-run") and not is_mesos_container_name("web_1")
    assert split_container_name("/mesos-a1b2-S0.c-run") == (AGENT, "c-run")
    assert split_container_name("mesos-nodot") == ("nodot", "")


def test_a_container_is_kept_by_its_task_or_its_container_id():
    containers = [
        MesosContainer(f"mesos-{AGENT}.c-run", "svc.main.1"),
        MesosContainer(f"mesos-{AGENT}.c-other", "ct:1:0:svc job:"),  # task known, container id not
        MesosContainer(f"mesos-{AGENT}.c-queued", None),  # container known, no task id in its env
        MesosContainer(f"mesos-{AGENT}.c-done", "svc.main.0"),  # its task ended
        MesosContainer(f"mesos-{AGENT}.c-gone", "svc.main.9"),
        MesosContainer("mesos-other-S0.c-x", "svc.main.8"),
    ]
    orphans = find_orphans(containers, agent_tasks(STATE))
    assert [c.name for c in orphans] == [f"mesos-{AGENT}.c-done", f"mesos-{AGENT}.c-gone", "mesos-other-S0.c-x"]
    only_mine = find_orphans(containers, agent_tasks(STATE), only_this_agent=True)
    assert [c.name for c in only_mine] == [f"mesos-{AGENT}.c-done", f"mesos-{AGENT}.c-gone"]


def test_report_lines():
    assert report([], force=True) == "OK: All mesos task IDs accounted for"
    orphans = [MesosContainer("mesos-a.b", "svc.main.9"), MesosContainer("mesos-a.c", None)]
    expected = "CRIT: Docker containers are orphaned: mesos-a.b (svc.main.9), mesos-a.c (None)"
    assert report(orphans, force=False) == expected
    assert report(orphans, force=True).endswith("mesos-a.c (None) and will be killed")


def test_task_id_from_marathon_or_chronos_environment():
    assert task_id_from_env({"MESOS_TASK_ID": "svc.main.1", "mesos_task_id": "x"}) == "svc.main.1"
    assert task_id_from_env({"MESOS_TASK_ID": "", "mesos_task_id": "ct:1:0:svc job:"}) == "ct:1:0:svc job:"
    assert task_id_from_env({"PORT": "1"}) is None


class FakeAgent:
    def agent_state(self) -> dict:
        return {"id": AGENT, "frameworks": []}


class FakeEngineApi:
    """Two orphaned Mesos containers; killing the first fails inside the engine."""

    def __init__(self) -> None:
        self.killed: list[str] = []

    def containers(self) -> list[dict]:
        return [{"Id": "1", "Names": [f"/mesos-{AGENT}.c-1"]}, {"Id": "2", "Names": [f"/mesos-{AGENT}.c-2"]}]

    def inspect_container(self, container_id: str) -> dict:
        return {"Config": {"Env": [f"MESOS_TASK_ID=svc.main.{container_id}"]}}

    def kill(self, name: str) -> None:
        import docker.errors

        if name.endswith("c-1"):
            raise docker.errors.APIError("500 Server Error", explanation="cannot kill: device busy")
        self.killed.append(name)


def test_a_container_that_cannot_be_killed_does_not_spare_the_others() -> None:
    import io
    from types import SimpleNamespace

    from paasta_tools.scripts.kill_orphaned_docker_containers import run

    api = FakeEngineApi()
    out, err = io.StringIO(), io.StringIO()
    assert run(True, False, FakeAgent(), SimpleNamespace(api=api), out, err) == 1
    assert api.killed == [f"mesos-{AGENT}.c-2"]
    assert out.getvalue().endswith(f"mesos-{AGENT}.c-2 (svc.main.2) and will be killed\n")
    assert err.getvalue() == (
        f"kill_orphaned_docker_containers: Docker engine could not kill container mesos-{AGENT}.c-1: "
        "cannot kill: device busy\n"
    )
