"""``paasta emergency-stop|start|restart`` for Marathon instances against the devcluster."""

from __future__ import annotations

from pathlib import Path

from paasta_tools.cli.cli import main
from paasta_tools.clients import marathon_client
from tests.integration.status.helpers import CLUSTER, deploy, running_tasks, system_config_dir, write_service


def _run(command: str, soa: Path, capsys) -> tuple[int, str]:
    code = main([command, "-s", "svc", "-i", "main", "-c", CLUSTER, "-d", str(soa)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_stop_start_restart(tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for) -> None:
    running = devcluster_factory()
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    (Path(running.cluster.settings.data_dir) / "logs").mkdir(parents=True)
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 3}})
    client = marathon_client.get_marathon_client(running.marathon_url)
    app_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, app_id)) == 3)

    code, out = _run("emergency-stop", soa, capsys)
    assert code == 0
    assert out.startswith("Performing an emergency stop on svc.main...\n")
    assert f"Output: Scaled /{app_id} down to 0 instances.\n" in out
    assert out.endswith("To start this service again asap, run:\npaasta emergency-start --service svc "
                        f"--instance main --cluster {CLUSTER}\n")  # fmt: skip
    wait_for(lambda: running_tasks(client, app_id) == [])
    assert marathon_client.get_app(client, app_id).instances == 0

    code, out = _run("emergency-start", soa, capsys)
    assert code == 0
    assert f"Output: Scaled {app_id} up to 3 instances.\n" in out
    assert out.endswith(f"Run this command to see the status:\npaasta status --service svc --clusters {CLUSTER}\n")
    wait_for(lambda: len(running_tasks(client, app_id)) == 3)

    code, out = _run("emergency-restart", soa, capsys)
    assert code == 0
    assert f"Output: Scaled {app_id} down to 0 instances; setup_marathon_job will scale it back up to 3.\n" in out
    wait_for(lambda: running_tasks(client, app_id) == [])
    log = (Path(running.cluster.settings.data_dir) / "logs" / "svc.log").read_text()
    assert "EmergencyStop: Scaling svc.main down to 0 instances" in log
    assert "EmergencyStart: scaling svc.main up to 3 instances" in log
    assert "EmergencyRestart: Scaling svc.main down to 0 instances, then letting them scale back up" in log


def test_start_before_the_app_exists_and_unknown_instance(
    tmp_path: Path, devcluster_factory, monkeypatch, capsys
) -> None:
    running = devcluster_factory()
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    code, out = _run("emergency-start", soa, capsys)
    assert code == 0
    assert "is not configured in Marathon yet; setup_marathon_job will create it." in out
    code, out = _run("emergency-stop", soa, capsys)
    assert "Output: svc.main has no app in Marathon: nothing to stop.\n" in out
    code = main(["emergency-stop", "-s", "svc", "-i", "mian", "-c", CLUSTER, "-d", str(soa)])
    assert code == 1
    assert "Did you mean one of: svc.main?" in capsys.readouterr().err


def test_stop_one_app_with_appid(tmp_path: Path, devcluster_factory, monkeypatch, capsys, wait_for) -> None:
    running = devcluster_factory()
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(system_config_dir(tmp_path, running)))
    soa = tmp_path / "soa"
    write_service(soa, "svc", {"main": {"instances": 1}})
    client = marathon_client.get_marathon_client(running.marathon_url)
    old_id = deploy(client, soa, "svc", "main")
    write_service(soa, "svc", {"main": {"instances": 1, "cmd": "new"}})
    new_id = deploy(client, soa, "svc", "main")
    wait_for(lambda: len(running_tasks(client, old_id)) == 1 and len(running_tasks(client, new_id)) == 1)

    args = ["emergency-stop", "-s", "svc", "-i", "main", "-c", CLUSTER, "-d", str(soa)]
    assert main([*args, "-a", old_id]) == 0
    assert f"Output: Scaled {old_id} down to 0 instances.\n" in capsys.readouterr().out
    wait_for(lambda: running_tasks(client, old_id) == [])
    assert len(running_tasks(client, new_id)) == 1
    assert main([*args, "--appid", "other.main.gitx.configy"]) == 1
    assert "--appid other.main.gitx.configy is not an app of svc.main" in capsys.readouterr().err
