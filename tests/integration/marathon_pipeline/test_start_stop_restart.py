"""`paasta stop|start|restart` end to end: control tags in git → deployments.json → Marathon.

The same path a site runs: the CLI pushes a control tag, generate_deployments_for_service turns the
tags into deployments.json and setup_marathon_job bounces to the app id the new state gives.
"""

from __future__ import annotations

import json
import time

import yaml

from paasta_tools.cli import cli
from paasta_tools.scripts import generate_deployments_for_service
from tests.support.git_repos import make_bare_repo

INSTANCE = {"cmd": "sleep 600", "instances": 2, "cpus": 0.01, "mem": 32, "disk": 10}


def _write_service(pipeline, git_url: str) -> None:
    directory = pipeline.soa_dir / "svc"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "service.yaml").write_text(yaml.safe_dump({"git_url": git_url}))
    (directory / "monitoring.yaml").write_text(yaml.safe_dump({"team": "devs"}))
    (directory / "marathon-devcluster.yaml").write_text(yaml.safe_dump({"main": INSTANCE}))


def _control(pipeline, *argv: str) -> None:
    # Control tags carry a one-second timestamp; the newest one on the sha must be unambiguous.
    time.sleep(1.1)
    assert cli.main([*argv, "-d", str(pipeline.soa_dir)]) == 0
    assert generate_deployments_for_service.main(["-d", str(pipeline.soa_dir), "-s", "svc"]) == 0


def _controls(pipeline) -> dict:
    return json.loads((pipeline.soa_dir / "svc" / "deployments.json").read_text())["v2"]["controls"]


def _app_with(pipeline, instances: int, replacing: str | None = None) -> str:
    """Run setup_marathon_job until one app other than ``replacing`` runs ``instances`` tasks."""

    def done() -> bool:
        app = pipeline.only_app()
        return app is not None and app["id"] != replacing and pipeline.converged(instances)

    pipeline.bounce_until("svc.main", done)
    return pipeline.only_app()["id"]


def test_stop_start_and_restart_through_control_tags(make_pipeline, tmp_path) -> None:
    pipeline = make_pipeline("noop")
    bare, shas = make_bare_repo(tmp_path / "git", commits=1)
    _write_service(pipeline, str(bare))
    mark = ["mark-for-deployment", "-u", str(bare), "-c", shas[0], "-l", "devcluster.main", "-s", "svc"]
    _control(pipeline, *mark)
    deployed = _app_with(pipeline, 2)
    assert deployed.startswith(f"/svc.main.git{shas[0][:8]}.config")

    _control(pipeline, "stop", "-s", "svc", "-c", "devcluster", "-i", "main")
    assert _controls(pipeline)["svc:devcluster.main"]["desired_state"] == "stop"
    # the stop tag's timestamp is a new force_bounce, so a new app id
    stopped = _app_with(pipeline, 0, replacing=deployed)

    _control(pipeline, "start", "-s", "svc", "-c", "devcluster", "-i", "main")
    assert _controls(pipeline)["svc:devcluster.main"]["desired_state"] == "start"
    started = _app_with(pipeline, 2, replacing=stopped)
    assert started != deployed

    _control(pipeline, "restart", "-s", "svc", "-c", "devcluster", "-i", "main")
    restarted = _app_with(pipeline, 2, replacing=started)
    assert restarted not in (deployed, stopped)

    # marking the same sha again resets nothing: the newest control tag on it still decides
    _control(pipeline, *mark)
    assert _controls(pipeline)["svc:devcluster.main"]["desired_state"] == "start"
