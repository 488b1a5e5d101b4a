"""check_synapse_replication's ranges and verdicts."""

from __future__ import annotations

import sys

import pytest

from paasta_tools.marathon.haproxy_csv import HaproxyBackend
from paasta_tools.monitoring.synapse_replication import (
    CheckStatus,
    check_replication,
    check_services,
    overall_status,
    parse_range,
)
from paasta_tools.scripts.check_synapse_replication import build_parser


def backend(name: str, port: int, status: str) -> HaproxyBackend:
    return HaproxyBackend(name, f"10.0.0.1:{port}_host1", status, "10.0.0.1", port, "host1")


def test_ranges_with_open_ends():
    assert parse_range("1:5") == (1, 5)
    assert parse_range("3:") == (3, sys.maxsize)
    assert parse_range(":2") == (0, 2)
    with pytest.raises(ValueError, match="Incorrect range '5'"):
        parse_range("5")
    with pytest.raises(ValueError, match="Failed to parse range 'a:b'"):
        parse_range("a:b")


def test_critical_wins_over_warning_and_names_its_interval():
    assert check_replication("svc.main", 3, (2, 5), (1, 10)).message == "OK svc.main has 3 instance(s)"
    warning = check_replication("svc.main", 1, (2, 5), (1, 10))
    assert (warning.status, warning.message) == (
        CheckStatus.WARNING,
        "WARNING svc.main has 1 instance(s), expected value in (2, 5)",
    )
    critical = check_replication("svc.main", 0, (2, 5), (1, sys.maxsize))
    assert critical.status == CheckStatus.CRITICAL
    assert critical.message == f"CRITICAL svc.main has 0 instance(s), expected value in (1, {sys.maxsize})"


def test_only_up_backends_of_each_proxy_count():
    rows = [
        backend("svc.main", 1, "UP"),
        backend("svc.main", 2, "UP 1/2"),
        backend("svc.main", 3, "DOWN"),
        backend("svc.canary", 4, "MAINT"),
        backend("other.main", 5, "UP"),
    ]
    results = check_services(rows, ["svc.main", "svc.canary", "absent.main"], (2, 9), (1, 9))
    assert [r.message for r in results] == [
        "OK svc.main has 2 instance(s)",
        "CRITICAL svc.canary has 0 instance(s), expected value in (1, 9)",
        "CRITICAL absent.main has 0 instance(s), expected value in (1, 9)",
    ]
    assert overall_status(results) == CheckStatus.CRITICAL
    assert overall_status(results[:1]) == CheckStatus.OK


def test_flags_as_upstream(capsys):
    args = build_parser().parse_args(["-w", "2:", "--critcal", "1:", "-H", "h", "-P", "1234", "a.main", "b.main"])
    assert (args.warn, args.crit) == ((2, sys.maxsize), (1, sys.maxsize))
    assert (args.synapse_host, args.synapse_port) == ("h", 1234)
    assert args.services == ["a.main", "b.main"]
    assert build_parser().parse_args(["-w", "1:", "--critical", ":3", "x"]).crit == (0, 3)
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["-w", "x", "-c", "1:", "svc.main"])
    assert exited.value.code == 2
    assert "Incorrect range 'x'" in capsys.readouterr().err
