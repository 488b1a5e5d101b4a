"""``paasta metastatus`` against the devcluster's Mesos, Marathon and Chronos APIs."""

from __future__ import annotations

from pathlib import Path

from paasta_tools import __version__
from paasta_tools.cli.cli import main
from paasta_tools.clients import marathon_client
from tests.integration.status.helpers import CLUSTER, deploy, running_tasks, system_config_dir, write_service


def test_metastatus_of_the_devcluster(tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for) -> None:
    running = devcluster_factory()
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 2, "cpus": 0.1, "mem": 64}})

    assert main(["metastatus", "-d", str(soa)]) == 2  # no Marathon app at all yet
    out = capsys.readouterr().out
    assert out.startswith(f"Cluster: {CLUSTER}\nDashboards:\n  Chronos:  {running.chronos_url}\n")
    assert f"Master paasta_tools version: {__version__}\nMesos Status: OK\n" in out
    assert (
        "Marathon Status: CRITICAL\n  CRITICAL: No marathon apps running\n  CRITICAL: No marathon tasks running\n"
        in out
    )

    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 2 and not client.list_deployments())
    assert main(["metastatus", "-d", str(soa), "-c", CLUSTER, "-vv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  marathon apps:          1" in lines and "  marathon tasks:         2" in lines
    assert "  Tasks: running: 2 staging: 0 starting: 0" in lines
    assert "  Resources Grouped by region" in lines
    assert any(line.startswith("    devregion ") for line in lines)
    assert "Chronos Status: OK" in lines and "  Enabled chronos jobs: 0" in lines

    assert main(["metastatus", "-d", str(soa), "-c", "nowhere"]) == 1
    assert "Cluster nowhere doesn't look like a valid cluster?" in capsys.readouterr().out
