"""paasta-api for Chronos instances, and ``paasta status`` in API mode (USE_API_ENDPOINT) against it."""

from __future__ import annotations

import json
import re

import yaml

from paasta_tools.cli.cli import main as paasta
from paasta_tools.clients.chronos_client import get_chronos_client
from paasta_tools.scripts import deploy_chronos_jobs
from tests.integration.api.test_marathon_routes import assert_matches_swagger
from tests.integration.chronos_pipeline.conftest import write_deployments
from tests.integration.status.helpers import deploy, running_tasks, write_service

LATER = "R/2099-01-01T00:00:00Z/P1D"


def _without_ages(text: str) -> str:
    return re.sub(r", (now|[^()]* ago)\)", ", AGE)", text)


def _chronos_service(soa, jobs) -> None:
    directory = soa / "batch"
    directory.mkdir(parents=True)
    (directory / "chronos-devcluster.yaml").write_text(yaml.safe_dump(jobs))
    (directory / "service.yaml").write_text(yaml.safe_dump({"description": "batch jobs"}))
    write_deployments(directory, "batch", list(jobs))


def test_chronos_status_body(api_factory, monkeypatch, wait_for, capsys) -> None:
    api = api_factory(executor="process", apis=("chronos", "mesos"))
    jobs = {
        "nightly": {"schedule": LATER, "schedule_time_zone": "Europe/Berlin", "cmd": "echo night"},
        "report": {"parents": ["batch.nightly"], "cmd": "echo report"},
    }
    _chronos_service(api.soa_dir, jobs)
    assert deploy_chronos_jobs.main(["-d", str(api.soa_dir)]) == 0
    chronos = get_chronos_client(api.running.chronos_url)
    chronos.run("batch nightly")
    wait_for(lambda: next(j for j in chronos.list() if j["name"] == "batch nightly")["successCount"] == 1)

    body = api.client.instance_status("batch", "nightly")
    assert_matches_swagger(body, "InstanceStatus")
    nightly = body["chronos"]
    assert (body["git_sha"], nightly["desired_state"], nightly["disabled"]) == ("4f2ab6d1", "start", False)
    assert nightly["schedule_type"] == "schedule"
    assert nightly["schedule"] == {"schedule": LATER, "epsilon": "PT60S", "time_zone": "Europe/Berlin"}
    assert nightly["command"] == "echo night" and nightly["last_status"]["result"] == "success"
    assert nightly["status"]["disabled_state"] == "scheduled"
    assert [job["name"] for job in nightly["jobs"]] == ["batch nightly"]

    report = api.client.instance_status("batch", "report")["chronos"]
    assert report["schedule_type"] == "parents" and report["parents"] == ["batch nightly"]
    assert "schedule" not in report
    response = api.get("/v1/services/batch/report/tasks")
    assert response.status_code == 400 and "Only marathon tasks supported" in response.json()["message"]

    capsys.readouterr()
    assert paasta(["status", "-s", "batch", "-d", str(api.soa_dir), "-i", "nightly"]) == 0
    direct = capsys.readouterr().out
    monkeypatch.setenv("USE_API_ENDPOINT", "true")
    assert paasta(["status", "-s", "batch", "-d", str(api.soa_dir), "-i", "nightly"]) == 0
    # the same lines, read through the API (the age of the last run may have moved on by a second)
    assert _without_ages(capsys.readouterr().out) == _without_ages(direct)
    assert "    Desired:    Scheduled\n    Job:     batch nightly\n      Status:   Scheduled (" in direct


def test_paasta_status_in_api_mode(api, monkeypatch, wait_for, capsys) -> None:
    write_service(api.soa_dir, "svc", {"main": {"instances": 2}, "canary": {"instances": 1}}, deployed=["main"])
    app_id = deploy(api.marathon, api.soa_dir, "svc", "main")
    wait_for(lambda: len(running_tasks(api.marathon, app_id)) == 2 and not api.marathon.list_deployments())
    monkeypatch.setenv("USE_API_ENDPOINT", "1")
    assert paasta(["status", "-s", "svc", "-d", str(api.soa_dir)]) == 0
    assert capsys.readouterr().out == (
        "\n"
        "cluster: devcluster\n"
        "  instance: canary\n"
        "    Git sha:    None (not deployed yet)\n"
        "  instance: main\n"
        "    Git sha:    abcdef01 (desired)\n"
        "    State:      Configured - Desired state: Started\n"
        "    Marathon:   Healthy - up with (2/2) instances. Status: Running\n"
    )
    assert paasta(["status", "-s", "svc", "-d", str(api.soa_dir), "-o", "json", "-c", "devcluster"]) == 0
    document = json.loads(capsys.readouterr().out)
    [cluster] = document["clusters"]
    assert cluster["not_deployed"] == ["canary"]
    assert cluster["instances"]["main"]["marathon"]["running_instance_count"] == 2

    etc_api = api.etc / "extra.json"
    etc_api.write_text(json.dumps({"api_endpoints": {"elsewhere": "http://127.0.0.1:1"}}))
    assert paasta(["status", "-s", "svc", "-d", str(api.soa_dir), "-i", "main"]) == 1
    out = capsys.readouterr().out
    assert "  instance: main\n    Error: Could not find api_endpoints.devcluster in configuration directory" in out

    monkeypatch.setenv("USE_API_ENDPOINT", "no")
    assert paasta(["status", "-s", "svc", "-d", str(api.soa_dir), "-i", "main"]) == 0
    assert "    Desired State:      Configured and Started\n" in capsys.readouterr().out
