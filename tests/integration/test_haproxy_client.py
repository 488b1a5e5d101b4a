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
    unreachable = r"could not read HAProxy stats from http://127.0.0.1:\d+/;csv;norefresh: nothing answers there$"
    with pytest.raises(HaproxyError, match=unreachable):
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


# --- a real HAProxy (Debian package), configured the way synapse configures it -----------------


@pytest.fixture
def real_haproxy(tmp_path: Path):
    """HAProxy with stats on a free port and backend ``svc.main``: one live server, one dead port."""
    import shutil
    import subprocess

    from tests.conftest import require

    binary = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    require(None if binary else "haproxy is not installed (scripts/setup-machine.sh installs it)")
    stats_port, dead_port = free_port(), free_port()
    with serve_recorder() as live:
        live.on("GET", "/", body=b"ok")
        live_port = int(live.url.rsplit(":", 1)[1])
        config = tmp_path / "haproxy.cfg"
        config.write_text(
            "global\n  maxconn 64\n"
            "defaults\n  mode http\n  timeout connect 1s\n  timeout client 5s\n  timeout server 5s\n"
            f"listen stats\n  bind 127.0.0.1:{stats_port}\n  stats enable\n  stats uri /\n"
            f"frontend svc.main\n  bind 127.0.0.1:{free_port()}\n  default_backend svc.main\n"
            "backend svc.main\n"
            f"  server 127.0.0.1:{live_port}_localhost 127.0.0.1:{live_port} check inter 100 rise 1 fall 1\n"
            f"  server 127.0.0.1:{dead_port}_localhost 127.0.0.1:{dead_port} check inter 100 rise 1 fall 1\n"
        )
        process = subprocess.Popen([binary, "-db", "-f", str(config)], stderr=subprocess.PIPE)
        try:
            yield stats_port, live_port, dead_port
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_backends_and_happy_tasks_from_a_real_haproxy(real_haproxy, wait_for) -> None:
    import datetime

    from paasta_tools.marathon.happy_tasks import get_happy_tasks
    from paasta_tools.marathon.tasks import MarathonTask

    stats_port, live_port, dead_port = real_haproxy

    def statuses():
        try:
            return {b.port: b.status for b in haproxy.get_backends(["svc.main"], "127.0.0.1", stats_port)}
        except HaproxyError:
            return {}

    wait_for(lambda: statuses() == {live_port: "UP", dead_port: "DOWN"}, timeout=15)
    backends = haproxy.get_backends(None, "127.0.0.1", stats_port)
    assert {b.pxname for b in backends} == {"svc.main"}
    assert {b.hostname for b in backends} == {"localhost"}
    up, errors = haproxy.get_up_addresses_on_hosts(["127.0.0.1"], "svc.main", stats_port, task_hosts=["localhost"])
    assert errors == [] and ("localhost", live_port) in up and ("127.0.0.1", dead_port) not in up
    now = datetime.datetime.now(datetime.UTC)
    tasks = [MarathonTask(id=f"t{p}", host="localhost", ports=(p,), started_at=now) for p in (live_port, dead_port)]
    assert [t.ports[0] for t in get_happy_tasks(tasks, [], now, haproxy_up=up)] == [live_port]
