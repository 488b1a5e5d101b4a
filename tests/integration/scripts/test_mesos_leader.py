"""am_i_mesos_leader and get_mesos_leader against the devcluster's Mesos master API."""

from __future__ import annotations

import json
import socket

import pytest

from paasta_tools.scripts import am_i_mesos_leader, get_mesos_leader
from tests.support.devcluster import write_devcluster_system_config


@pytest.fixture
def config_dir(devcluster_factory, tmp_path, monkeypatch):
    running = devcluster_factory(apis=("mesos",))
    directory = write_devcluster_system_config(tmp_path / "etc_paasta", running)
    monkeypatch.setenv("PAASTA_SYSTEM_CONFIG_DIR", str(directory))
    return directory


def test_the_devcluster_master_on_this_host_leads(config_dir, capsys):
    assert get_mesos_leader.main([]) == 0
    assert capsys.readouterr().out == "127.0.0.1\n"
    assert am_i_mesos_leader.main([]) == 0
    assert capsys.readouterr().out == "True\n"


def test_an_unreachable_master_is_an_error(config_dir, capsys):
    cluster = json.loads((config_dir / "cluster.json").read_text())
    dead = "http://127.0.0.1:9"
    cluster["mesos_url"] = dead
    (config_dir / "cluster.json").write_text(json.dumps(cluster))
    clusters = json.loads((config_dir / "clusters.json").read_text())
    for entry in clusters["clusters"].values():
        entry["mesos_url"] = dead
    (config_dir / "clusters.json").write_text(json.dumps(clusters))
    assert am_i_mesos_leader.main([]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "could not reach the Mesos master at http://127.0.0.1:9/master/state" in captured.err
    assert get_mesos_leader.main([]) == 1
    assert "get_mesos_leader: could not reach" in capsys.readouterr().err


def test_local_names_include_loopback_and_the_hostname():
    names = am_i_mesos_leader.local_host_names()
    assert {"localhost", "127.0.0.1", socket.gethostname()} <= names
