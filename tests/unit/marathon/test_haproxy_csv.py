"""HAProxy stats CSV parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from paasta_tools.errors import HaproxyError
from paasta_tools.marathon import haproxy_csv

CSV = (Path(__file__).resolve().parents[2] / "fixtures" / "haproxy" / "stats.csv").read_text()


def test_parse_skips_summary_rows_and_splits_svname() -> None:
    backends = haproxy_csv.parse_haproxy_csv(CSV)
    assert [b.svname for b in backends] == [
        "10.0.0.1:31000_host1",
        "10.0.0.2:31001_host2",
        "10.0.0.3:31002_host3",
        "127.0.0.1:8080",
    ]
    first = backends[0]
    assert (first.pxname, first.ip, first.port, first.hostname, first.status) == (
        "svc.main",
        "10.0.0.1",
        31000,
        "host1",
        "UP",
    )
    assert first.check_status == "L7OK"
    assert backends[3].hostname == "" and backends[3].port == 8080


def test_up_filters() -> None:
    backends = haproxy_csv.backends_of(haproxy_csv.parse_haproxy_csv(CSV), ["svc.main"])
    assert len(backends) == 3
    assert haproxy_csv.up_addresses(backends) == {("10.0.0.1", 31000), ("10.0.0.3", 31002)}
    assert haproxy_csv.count_up(haproxy_csv.parse_haproxy_csv(CSV), "svc.main") == 2
    assert haproxy_csv.count_up(haproxy_csv.parse_haproxy_csv(CSV), "nope.main") == 0
    assert len(haproxy_csv.backends_of(haproxy_csv.parse_haproxy_csv(CSV), None)) == 4


@pytest.mark.parametrize("text", ["", "<html>hello</html>", "# pxname,foo\nx,y\n"])
def test_bad_csv_is_a_clear_error(text: str) -> None:
    with pytest.raises(HaproxyError, match="http://h:3212/;csv"):
        haproxy_csv.parse_haproxy_csv(text, source="http://h:3212/;csv")


def test_split_svname_without_port() -> None:
    assert haproxy_csv.split_svname("weird") == ("weird", None, "")
