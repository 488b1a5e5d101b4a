"""``python -m paasta_tools.demo`` (what ``make demo`` runs), as a subprocess in a temporary work dir."""

from __future__ import annotations

import json
import subprocess
import sys


def test_demo_runs_the_pipeline_and_prints_deployments_json(tmp_path):
    workdir = tmp_path / "demo"
    command = [sys.executable, "-m", "paasta_tools.demo", "--workdir", str(workdir)]
    for _ in range(2):  # a second run starts over cleanly in the same work dir
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in ("paasta validate", "paasta mark-for-deployment", "generate_deployments_for_service"):
        assert step in out
    assert "Successfully validated schema" in out
    deployments = json.loads((workdir / "soa-configs" / "example_service" / "deployments.json").read_text())
    sha = deployments["v2"]["deployments"]["prod"]["git_sha"]
    assert f"Marked {sha} for deployment in deploy group canary" in out
    assert list(deployments["v1"]) == [
        "example_service:paasta-devcluster.main",
        "example_service:paasta-devcluster.canary",
        "example_service:paasta-devcluster.nightly",
        "example_service:paasta-devcluster.report",
    ]
    assert json.dumps(deployments, indent=2) in out
    log = (workdir / "logs" / "example_service-deploy.log").read_text().splitlines()
    assert json.loads(log[-1])["message"] == f"Marked {sha} for deployment in deploy group prod"
