"""Reading a stats CSV over HTTP from a server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from paasta_tools.clients import haproxy
from paasta_tools.errors import HaproxyError
from tests.conftest import free_port
from tests.integration.http_recorder import serve_recorder

CSV = (Path(__file__).resolve().parents[1] / "fixtures" / "haproxy" / "stats.csv").read_bytes()


def test_get_backends_over_http() -> None:
    with serve_recorder() as synapse:
        synapse.on("GET", "/;csv;norefresh", body=CSV)
        port = int(synapse.url.rsplit(":", 1)[1])
        backends = haproxy.get_backends(["svc.main"], "127.0.0.1", port)
        assert [b.port for b in backends] == [31000, 31001, 31002]
        assert [b.is_up for b in backends] == [True, False, True]
        assert synapse.requests[-1].headers["User-Agent"].startswith("PaaSTA Tools ")
        assert len(haproxy.get_backends(None, "127.0.0.1", port)) == 4
        with pytest.raises(HaproxyError, match="HTTP 404"):
            haproxy.get_backends(None, "127.0.0.1", port, "http://{host:s}:{port:d}/missing")


def test_url_format_and_unreachable_synapse() -> None:
    assert haproxy.haproxy_stats_url("h", 3212) == "http://h:3212/;csv;norefresh"
    with pytest.raises(HaproxyError, match="synapse_haproxy_url_format"):
        haproxy.haproxy_stats_url("h", 3212, "http://{hostname}/")
    with pytest.raises(HaproxyError, match="could not read"):
        haproxy.get_backends(None, "127.0.0.1", free_port())


def test_up_addresses_per_host_include_the_host_name() -> None:
    csv = CSV.replace(b"10.0.0.1:31000_host1", b"127.0.0.1:31000_localhost")
    with serve_recorder() as synapse:
        synapse.on("GET", "/;csv;norefresh", body=csv)
        port = int(synapse.url.rsplit(":", 1)[1])
        up, errors = haproxy.get_up_addresses_on_hosts(["127.0.0.1"], "svc.main", port, task_hosts=["localhost"])
    assert errors == []
    assert ("localhost", 31000) in up and ("127.0.0.1", 31000) in up
    assert ("localhost", 31002) not in up
    assert ("10.0.0.3", 31002) in up and ("10.0.0.2", 31001) not in up
    up, errors = haproxy.get_up_addresses_on_hosts(["127.0.0.1"], "svc.main", free_port())
    assert up == frozenset() and len(errors) == 1
