"""The devcluster's hacheck keeps its spools in the SmartStack work dir: a drained task stays down across a restart."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from paasta_tools.clients.drain_methods import HacheckDrainMethod
from paasta_tools.devcluster.smartstack.hacheck import SPOOL_FILE
from paasta_tools.devcluster.smartstack.haproxy_process import missing_haproxy
from paasta_tools.devcluster.smartstack.synapse import SmartStackSettings, start_smartstack_in_thread
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(missing_haproxy() is not None, reason=str(missing_haproxy()))


def test_a_drained_task_is_still_down_after_smartstack_restarts(tmp_path: Path, devcluster_factory) -> None:
    running = devcluster_factory()
    (tmp_path / "soa").mkdir()
    settings = SmartStackSettings(
        soa_dir=tmp_path / "soa",
        cluster="devcluster",
        marathon_url=running.marathon_url,
        work_dir=tmp_path / "smartstack",
        synapse_port=free_port(),
        hacheck_port=free_port(),
        interval=0.2,
    )
    drained = SimpleNamespace(id="svc.main.task1", host="127.0.0.1", ports=[31001])
    expired = SimpleNamespace(id="svc.main.task2", host="127.0.0.1", ports=[31002])
    drain = HacheckDrainMethod("svc", "main", "main", delay=10, hacheck_port=settings.hacheck_port)
    # a down spool whose expiration (a minute ago + 1 s) has passed by the time hacheck starts again
    stale = HacheckDrainMethod(
        "svc", "main", "main", hacheck_port=settings.hacheck_port, expiration=1, clock=lambda: time.time() - 60
    )

    handle = start_smartstack_in_thread(settings)
    try:
        drain.drain(drained)
        stale.drain(expired)
        before = requests.get(drain.spool_url(drained), timeout=5).text
        assert "Service svc.main in down state since" in before
    finally:
        handle.stop()
    saved = json.loads((settings.work_dir / SPOOL_FILE).read_text())
    assert [entry["port"] for entry in saved["spools"]] == ["31001", "31002"]

    handle = start_smartstack_in_thread(settings)
    try:
        assert drain.is_draining(drained)
        after = requests.get(drain.spool_url(drained), timeout=5)
        assert (after.status_code, after.text) == (503, before)  # same since, until and reason
        assert not stale.is_draining(expired)
        saved = json.loads((settings.work_dir / SPOOL_FILE).read_text())
        assert [entry["port"] for entry in saved["spools"]] == ["31001"]  # the expired one was dropped at start
        drain.stop_draining(drained)
        assert not drain.is_draining(drained)
    finally:
        handle.stop()
    assert json.loads((settings.work_dir / SPOOL_FILE).read_text())["spools"] == []
