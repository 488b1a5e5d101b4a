"""Fingerprinting the soa dir and the system config dir (files under tmp_path)."""

from __future__ import annotations

import os

from paasta_tools.deployd.changes import changed_services
from paasta_tools.deployd.watcher import RACY_WINDOW_NS, FileFingerprinter, SoaDirWatcher, SystemConfigWatcher


def _write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_only_the_watched_files_of_each_service_are_fingerprinted(tmp_path):
    _write(tmp_path / "svc" / "marathon-norcal.yaml", "main: {}\n")
    _write(tmp_path / "svc" / "marathon-other.yaml", "main: {}\n")
    _write(tmp_path / "svc" / "monitoring.yaml", "team: a\n")
    _write(tmp_path / "svc" / "deployments.json", "{}")
    _write(tmp_path / ".git" / "service.yaml", "x")
    (tmp_path / "README").write_text("not a service")
    assert sorted(SoaDirWatcher(str(tmp_path), "norcal").scan()) == [
        ("svc", "deployments.json"),
        ("svc", "marathon-norcal.yaml"),
    ]


def test_a_rewrite_within_the_same_timestamp_is_still_seen(tmp_path):
    path = tmp_path / "svc" / "marathon-norcal.yaml"
    _write(path, "main: {cpus: 0.1}\n")
    watcher = SoaDirWatcher(str(tmp_path), "norcal")
    before = watcher.scan()
    stat = os.stat(path)
    path.write_text("main: {cpus: 0.2}\n")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same mtime
    assert changed_services(before, watcher.scan()) == ["svc"]
    assert changed_services(watcher.scan(), watcher.scan()) == []


def test_an_old_file_with_the_same_stat_is_not_read_again(tmp_path):
    path = tmp_path / "f.json"
    path.write_text('{"a": 1}')
    stat = os.stat(path)
    fingerprinter = FileFingerprinter(clock_ns=lambda: stat.st_mtime_ns + RACY_WINDOW_NS + 1)
    first = fingerprinter.digest(str(path))
    path.write_text('{"a": 2}')
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert fingerprinter.digest(str(path)) == first  # the cached digest: the file was not read
    assert FileFingerprinter().digest(str(path)) != first
    path.unlink()
    assert fingerprinter.digest(str(path)) is None


def test_system_config_json_files_by_relative_path(tmp_path):
    _write(tmp_path / "cluster.json", '{"cluster": "a"}')
    _write(tmp_path / "sub" / "marathon.json", "{}")
    _write(tmp_path / "notes.txt", "x")
    watcher = SystemConfigWatcher(str(tmp_path))
    first = watcher.scan()
    assert sorted(first) == ["cluster.json", "sub/marathon.json"]
    _write(tmp_path / "cluster.json", '{"cluster": "b"}')
    assert watcher.scan()["cluster.json"] != first["cluster.json"]
