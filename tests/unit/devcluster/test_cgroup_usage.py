"""Reading a container's usage from cgroup v1 files (the layout dockerd's cgroupfs driver writes)."""

from __future__ import annotations

import os
from pathlib import Path

from paasta_tools.devcluster.executors.docker import cgroup_v1_usage


def test_reads_rss_and_cpu_ticks(tmp_path: Path) -> None:
    memory = tmp_path / "memory/docker/abc"
    cpu = tmp_path / "cpuacct/docker/abc"
    memory.mkdir(parents=True)
    cpu.mkdir(parents=True)
    (memory / "memory.stat").write_text("cache 10\nrss 4096\ntotal_rss 8192\n")
    ticks = os.sysconf("SC_CLK_TCK")
    (cpu / "cpuacct.stat").write_text(f"user {3 * ticks}\nsystem {ticks}\n")
    assert cgroup_v1_usage("abc", root=tmp_path) == {
        "mem_rss_bytes": 8192.0,
        "cpus_user_time_secs": 3.0,
        "cpus_system_time_secs": 1.0,
    }


def test_missing_cgroup_is_none(tmp_path: Path) -> None:
    assert cgroup_v1_usage("gone", root=tmp_path) is None
