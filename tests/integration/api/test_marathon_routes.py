"""paasta-api's status, tasks and error answers for Marathon instances deployed on a devcluster."""

from __future__ import annotations

import jsonschema
import pytest

from paasta_tools import __version__
from paasta_tools.api.app import swagger_document
from paasta_tools.errors import PaastaApiError
from tests.integration.status.helpers import deploy, running_tasks, write_service


def assert_matches_swagger(document: object, definition: str) -> None:
    """``document`` is valid against ``#/definitions/<definition>`` of the shipped swagger file."""
    swagger = swagger_document()
    schema = {**swagger["definitions"][definition], "definitions": swagger["definitions"]}
    jsonschema.validate(document, schema)


def test_version_instances_and_swagger(api) -> None:
    assert api.client.version() == __version__
    write_service(api.soa_dir, "svc", {"main": {"instances": 1}, "canary": {"instances": 1}})
    assert api.client.list_instances("svc") == ["canary", "main"]  # yaml order (safe_dump sorts)
    assert api.get("/swagger.json").json() == swagger_document()


def test_status_of_a_running_app(api, wait_for) -> None:
    write_service(api.soa_dir, "svc", {"main": {"instances": 2}})
    app_id = deploy(api.marathon, api.soa_dir, "svc", "main")
    wait_for(lambda: len(running_tasks(api.marathon, app_id)) == 2 and not api.marathon.list_deployments())
    body = api.client.instance_status("svc", "main")
    assert body == {
        "service": "svc",
        "instance": "main",
        "git_sha": "abcdef01",
        "marathon": {
            "app_count": 1,
            "desired_state": "start",
            "bounce_method": "crossover",
            "app_id": app_id,
            "slaves": ["127.0.0.1"],
            "expected_instance_count": 2,
            "deploy_status": "Running",
            "running_instance_count": 2,
        },
    }
    assert_matches_swagger(body, "InstanceStatus")


def test_status_of_an_app_not_created_yet_and_a_stopped_one(api, wait_for) -> None:
    write_service(
        api.soa_dir, "svc", {"main": {"instances": 2}, "off": {"instances": 3}}, desired_state={"off": "stop"}
    )
    marathon = api.client.instance_status("svc", "main")["marathon"]
    assert marathon["deploy_status"] == "NotRunning" and marathon["app_count"] == 0
    assert marathon["running_instance_count"] == 0 and marathon["slaves"] == []
    deploy(api.marathon, api.soa_dir, "svc", "off")
    wait_for(lambda: not api.marathon.list_deployments())
    stopped = api.client.instance_status("svc", "off")["marathon"]
    assert (stopped["desired_state"], stopped["deploy_status"], stopped["expected_instance_count"]) == (
        "stop",
        "Stopped",
        0,
    )


def test_errors_are_json_with_their_status(api) -> None:
    write_service(api.soa_dir, "svc", {"main": {"instances": 1}, "canary": {"instances": 1}}, deployed=["main"])
    cases = {
        "/v1/services/nope": (404, "Service 'nope' does not exist"),
        "/v1/services/nope/main/status": (404, "Service 'nope' does not exist"),
        "/v1/services/svc/mian/status": (404, "svc.mian doesn't look like it has been configured"),
        "/v1/services/svc/canary/status": (404, "deployment key devcluster.canary not found"),
        "/v1/services/svc/main/tasks?verbose=maybe": (400, "query parameter verbose must be true or false"),
        "/v1/nothing/here": (404, "Not Found: GET /v1/nothing/here"),
    }
    for path, (status, text) in cases.items():
        response = api.get(path)
        assert response.status_code == status, path
        assert text in response.json()["message"], path
    with pytest.raises(PaastaApiError, match="answered 404: svc.mian doesn't look like") as caught:
        api.client.instance_status("svc", "mian")
    assert caught.value.status == 404


def test_a_broken_soa_config_is_a_500_with_the_message(api) -> None:
    write_service(api.soa_dir, "svc", {"main": {"instances": 1}})
    (api.soa_dir / "svc" / "marathon-devcluster.yaml").write_text("main:\n  instances: [1\n")
    response = api.get("/v1/services/svc/main/status")
    assert response.status_code == 500
    message = response.json()["message"]
    assert "marathon-devcluster.yaml" in message and "Traceback" not in message
    write_service(api.soa_dir, "other", {"main": {"instances": "two"}})
    response = api.get("/v1/services/other/main/status")
    assert response.status_code == 500 and "instances" in response.json()["message"]


def test_tasks_of_an_instance(api, wait_for) -> None:
    write_service(api.soa_dir, "svc", {"main": {"instances": 2}})
    app_id = deploy(api.marathon, api.soa_dir, "svc", "main")
    wait_for(lambda: len(running_tasks(api.marathon, app_id)) == 2)
    wait_for(lambda: len(api.client.instance_tasks("svc", "main")) == 2)
    tasks = api.client.instance_tasks("svc", "main")
    assert all(t["id"].startswith(app_id + ".") and t["state"] == "TASK_RUNNING" for t in tasks)
    assert_matches_swagger(tasks, "InstanceTasks")
    assert len(api.client.instance_tasks("svc", "main", slave_hostname="127.0.0.1")) == 2
    assert api.client.instance_tasks("svc", "main", slave_hostname="elsewhere") == []
    one = api.client.instance_task("svc", "main", tasks[0]["id"])
    assert one == tasks[0] and "slave" not in one
    verbose = api.client.instance_task("svc", "main", tasks[0]["id"], verbose=True)
    assert verbose["slave"]["hostname"] == "127.0.0.1" and verbose["slave"]["id"] == tasks[0]["slave_id"]
    assert verbose["executor"] is not None and "tasks" not in verbose["executor"]
    response = api.get("/v1/services/svc/main/tasks/svc.main.nothing")
    assert response.status_code == 404 and response.json() == {"message": "Task with id svc.main.nothing not found"}


def test_an_instance_without_a_docker_image_has_upstreams_error_message(api, monkeypatch, capsys) -> None:
    import json

    write_service(api.soa_dir, "svc", {"main": {"instances": 1}})
    deploy(api.marathon, api.soa_dir, "svc", "main")
    path = api.soa_dir / "svc" / "deployments.json"
    document = json.loads(path.read_text())
    document["v1"]["svc:paasta-devcluster.main"]["docker_image"] = ""
    path.write_text(json.dumps(document))
    body = api.client.instance_status("svc", "main")
    assert body == {
        "service": "svc",
        "instance": "main",
        "git_sha": "",
        "marathon": {
            "app_count": 1,
            "desired_state": "start",
            "bounce_method": "crossover",
            "error_message": "Docker image is not in deployments.json.",
        },
    }
    assert_matches_swagger(body, "InstanceStatus")
    response = api.get("/v1/services/svc/main/tasks")
    assert response.status_code == 500
    assert response.json() == {"message": "svc.main: Docker image is not in deployments.json."}

    # as upstream, and as without the API: the instance's error makes paasta status exit 1
    from paasta_tools.cli.cli import main as paasta

    monkeypatch.setenv("USE_API_ENDPOINT", "1")
    assert paasta(["status", "-s", "svc", "-d", str(api.soa_dir), "-i", "main"]) == 1
    assert "    Docker image is not in deployments.json.\n" in capsys.readouterr().out


def test_status_of_a_smartstack_instance_does_not_read_haproxy(api_factory, wait_for) -> None:
    import socket

    with socket.socket() as synapse:  # counts whoever connects to the instance's synapse
        synapse.bind(("127.0.0.1", 0))
        synapse.listen(8)
        synapse.settimeout(0.2)
        api = api_factory(synapse_port=synapse.getsockname()[1], synapse_host="127.0.0.1")
        write_service(api.soa_dir, "svc", {"main": {"instances": 1}}, smartstack={"main": {"proxy_port": 20999}})
        app_id = deploy(api.marathon, api.soa_dir, "svc", "main")
        wait_for(lambda: len(running_tasks(api.marathon, app_id)) == 1)
        assert api.client.instance_status("svc", "main")["marathon"]["app_id"] == app_id
        with pytest.raises(TimeoutError):
            synapse.accept()  # the body has no SmartStack part, so the API never asks HAProxy
