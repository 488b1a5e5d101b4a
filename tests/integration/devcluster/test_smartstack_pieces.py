"""The SmartStack pieces without processes: topology, haproxy.cfg, server state and hacheck's spools."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from paasta_tools.devcluster.smartstack.hacheck import SpoolBook, server_port_from_state
from paasta_tools.devcluster.smartstack.haproxy_config import (
    HaproxySettings,
    check_path,
    render_haproxy_config,
    server_state_file,
)
from paasta_tools.devcluster.smartstack.haproxy_process import haproxy_binary
from paasta_tools.devcluster.smartstack.topology import Namespace, Server, build_topology, read_topology
from paasta_tools.errors import DevclusterError


def _namespace(name: str = "svc.main", port: int = 20001, servers=()) -> Namespace:
    return Namespace(name, port, "http", "/status", 200, 1000, 1000, 1, tuple(servers))


def _app(app_id: str, *ports: int, state: str = "TASK_RUNNING") -> dict:
    return {"id": app_id, "tasks": [{"host": "127.0.0.1", "ports": [p], "state": state} for p in ports]}


def test_tasks_land_in_every_namespace_their_instance_registers_to() -> None:
    namespaces = {"svc.main": _namespace(), "svc.canary": _namespace("svc.canary", 20002)}
    apps = [_app("/svc.main.gitabc.configdef", 31001, 31000), _app("/svc.canary.gitabc.configdef", 31002)]
    registrations = {"/svc.main.gitabc.configdef": ["svc.main"], "/svc.canary.gitabc.configdef": ["svc.main"]}
    topology = build_topology(namespaces, apps, lambda app_id: registrations[app_id])
    assert [n.name for n in topology] == ["svc.canary", "svc.main"]
    assert topology[0].servers == ()
    assert [s.name for s in topology[1].servers] == [
        "127.0.0.1:31000_127.0.0.1",
        "127.0.0.1:31001_127.0.0.1",
        "127.0.0.1:31002_127.0.0.1",
    ]


def test_only_running_tasks_with_ports_are_registered() -> None:
    apps = [_app("/a", 31000, state="TASK_STAGING"), {"id": "/a", "tasks": [{"host": "h", "ports": []}]}]
    (namespace,) = build_topology({"svc.main": _namespace()}, apps, lambda app_id: ["svc.main"])
    assert namespace.servers == ()


def test_read_topology_uses_registrations_and_smartstack_yaml(tmp_path) -> None:
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "smartstack.yaml").write_text(
        yaml.safe_dump({"main": {"proxy_port": 20001, "mode": "tcp"}, "other": {"proxy_port": 20002}, "x": {}})
    )
    (svc / "marathon-devcluster.yaml").write_text(yaml.safe_dump({"canary": {"registrations": ["svc.other"]}}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "smartstack.yaml").write_text("main: [unclosed\n")
    apps = [_app("/svc.canary.gitabc.configdef", 31000), _app("/unknown.main.gitabc.configdef", 31001)]
    topology = {n.name: n for n in read_topology(tmp_path, "devcluster", apps)}
    assert sorted(topology) == ["svc.main", "svc.other"]  # no proxy_port, no namespace; broken skipped
    assert topology["svc.main"].mode == "tcp" and topology["svc.main"].servers == ()
    assert topology["svc.other"].servers == (Server("127.0.0.1", 31000),)


def test_the_config_routes_each_namespace_and_checks_through_hacheck() -> None:
    topology = [_namespace(servers=[Server("127.0.0.1", 31000)])]
    settings = HaproxySettings(synapse_port=3212, hacheck_port=6666, admin_socket="/s.sock", state_file="/state")
    text = render_haproxy_config(topology, settings)
    assert "frontend svc.main\n    bind 127.0.0.1:20001\n" in text
    assert "    default_backend svc.main\n" in text
    assert "    option httpchk GET /http/svc.main/0/status\n    http-check send-state\n" in text
    assert "    server 127.0.0.1:31000_127.0.0.1 127.0.0.1:31000 check port 6666 inter 500ms rise 1 fall 2\n" in text
    assert "listen stats\n    bind 127.0.0.1:3212\n" in text
    assert "    load-server-state-from-file global\n" in text
    assert check_path(Namespace("s.t", 1, "tcp", "/", 1, 1, 1, 1)) == "/tcp/s.t/0/"


@pytest.mark.skipif(haproxy_binary() is None, reason="haproxy is not installed")
def test_haproxy_accepts_the_rendered_config(tmp_path) -> None:
    topology = [_namespace(servers=[Server("127.0.0.1", 31000)]), _namespace("svc.tcp", 20002)]
    settings = HaproxySettings(3212, 6666, admin_socket=str(tmp_path / "s.sock"), state_file=str(tmp_path / "st"))
    (tmp_path / "haproxy.cfg").write_text(render_haproxy_config(topology, settings))
    result = subprocess.run([haproxy_binary(), "-c", "-f", str(tmp_path / "haproxy.cfg")], capture_output=True)
    assert result.returncode == 0, result.stderr


def test_server_state_keeps_known_servers_and_starts_new_ones_down() -> None:
    known = "3 svc.main 1 127.0.0.1:31000_127.0.0.1 127.0.0.1 2 0 1 1 5 6 3 4 6 0 0 0 - 31000 - 0 0 - - 0"
    dump = f"1\n# be_id be_name ...\n{known}\n"
    topology = [_namespace(servers=[Server("127.0.0.1", 31000), Server("127.0.0.1", 31001)])]
    lines = server_state_file(dump, topology).splitlines()
    assert lines[0] == "1" and lines[1].startswith("# be_id be_name srv_id srv_name")
    assert lines[2] == known
    fields = lines[3].split()
    assert fields[1:4] == ["svc.main", "0", "127.0.0.1:31001_127.0.0.1"]
    assert fields[5] == "0" and fields[12] == "0"  # srv_op_state stopped, srv_check_health 0
    assert len(fields) == len(known.split())


def test_a_down_spool_expires_and_keeps_its_since_when_downed_again() -> None:
    now = [100.0]
    book = SpoolBook(clock=lambda: now[0])
    book.down("svc.main", "31000", expiration=150.0, reason="Drained by Paasta")
    now[0] = 120.0
    book.down("svc.main", "31000", expiration=170.0, reason="Drained by Paasta")
    spool = book.get("svc.main", "31000")
    assert spool.message("svc.main") == "Service svc.main in down state since 100.0 until 170.0: Drained by Paasta"
    now[0] = 170.5
    assert book.get("svc.main", "31000") is None  # expired: up again once queried
    book.down("svc.main", "31000", expiration=0, reason="")
    now[0] = 10_000.0
    assert book.get("svc.main", "31000").message("svc.main") == "Service svc.main in down state since 170.5: "
    book.up("svc.main", "31000")
    assert book.get("svc.main", "31000") is None


def test_the_checked_port_comes_from_haproxys_send_state_header() -> None:
    header = "UP 2/3; name=svc.main/127.0.0.1:31000_127.0.0.1; node=x; weight=1/2; scur=0/1; qcur=0"
    assert server_port_from_state(header) == "31000"
    assert server_port_from_state("UP; node=x") is None


@pytest.fixture
def hacheck_url():
    """The hacheck emulator on a free port, in its own event loop thread."""
    import asyncio
    import threading

    from paasta_tools.devcluster.smartstack.hacheck import start_hacheck
    from tests.conftest import free_port

    port = free_port()
    loop = asyncio.new_event_loop()
    runner = loop.run_until_complete(start_hacheck(port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.run_until_complete(runner.cleanup())
    loop.close()


def test_hacheck_proxies_checks_to_the_task_and_answers_503_while_spooled_down(hacheck_url) -> None:
    import threading
    import time
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    import requests

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    task = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=task.serve_forever, daemon=True).start()
    port = task.server_address[1]
    try:
        assert requests.get(f"{hacheck_url}/http/svc.main/{port}/", timeout=5).status_code == 200
        assert requests.get(f"{hacheck_url}/http/svc.main/{port}/missing", timeout=5).status_code == 404
        state = {"X-Haproxy-Server-State": f"UP 1/1; name=svc.main/127.0.0.1:{port}_127.0.0.1"}
        assert requests.get(f"{hacheck_url}/http/svc.main/0/", headers=state, timeout=5).status_code == 200
        assert requests.get(f"{hacheck_url}/tcp/svc.main/{port}/", timeout=5).status_code == 200
        spool = f"{hacheck_url}/spool/svc.main/{port}/status"
        down = {"status": "down", "expiration": str(time.time() + 60), "reason": "Drained by Paasta"}
        assert requests.post(spool, data=down, timeout=5).status_code == 200
        checked = requests.get(f"{hacheck_url}/http/svc.main/{port}/", timeout=5)
        assert checked.status_code == 503
        assert checked.text.startswith("Service svc.main in down state since ")
        assert checked.text.endswith(": Drained by Paasta")
        assert requests.get(spool, timeout=5).text == checked.text
        assert requests.post(spool, data={"status": "up"}, timeout=5).status_code == 200
        assert requests.get(spool, timeout=5).status_code == 200
        assert requests.post(spool, data={"status": "sideways"}, timeout=5).status_code == 400
    finally:
        task.shutdown()
        task.server_close()
    assert requests.get(f"{hacheck_url}/http/svc.main/{port}/", timeout=5).status_code == 503  # nothing answers


def test_a_bad_or_clashing_proxy_port_costs_only_that_namespace_its_frontend(tmp_path) -> None:
    for service, smartstack in (
        ("a", {"main": {"proxy_port": 20001}, "bad": {"proxy_port": "twenty"}, "big": {"proxy_port": 70000}}),
        ("b", {"main": {"proxy_port": 20001}, "ok": {"proxy_port": 20002, "timeout_server_ms": "slow"}}),
    ):
        (tmp_path / service).mkdir()
        (tmp_path / service / "smartstack.yaml").write_text(yaml.safe_dump(smartstack))
    topology = {n.name: n for n in read_topology(tmp_path, "devcluster", [])}
    assert {name: n.proxy_port for name, n in topology.items()} == {"a.main": 20001, "b.main": 0}
    text = render_haproxy_config(list(topology.values()), HaproxySettings(3212, 6666))
    assert "frontend a.main\n" in text and "backend b.main\n" in text and "frontend b.main" not in text


def _listening_sockets(port: int) -> set[str]:
    """Inodes of the sockets listening on 127.0.0.1:``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":  # 0A: LISTEN
            found.add(fields[9])
    return found


def _sockets_of(pid: int) -> set[str]:
    """Socket inodes among ``pid``'s open files."""
    links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    return {link[len("socket:[") : -1] for link in links if link.startswith("socket:[")}


@pytest.mark.skipif(haproxy_binary() is None, reason="haproxy is not installed")
def test_a_reload_replaces_haproxy_gracefully_and_stop_ends_every_process(tmp_path) -> None:
    import requests

    from paasta_tools.devcluster.smartstack.haproxy_process import HaproxyProcesses
    from tests.conftest import free_port

    processes = HaproxyProcesses(tmp_path / "synapse")
    settings = HaproxySettings(
        free_port(),
        free_port(),
        admin_socket=str(processes.admin_socket),
        state_file=str(processes.state_path),
    )
    one = [_namespace(port=free_port(), servers=[Server("127.0.0.1", 31000)])]
    two = [_namespace(port=one[0].proxy_port, servers=[Server("127.0.0.1", 31000), Server("127.0.0.1", 31001)])]
    try:
        first = processes.apply(render_haproxy_config(one, settings), lambda dump: server_state_file(dump, one))
        listeners = _listening_sockets(one[0].proxy_port)
        assert len(listeners) == 1
        second = processes.apply(render_haproxy_config(two, settings), lambda dump: server_state_file(dump, two))
        assert processes.reloads == 1 and first.poll() is not None  # -sf: the old one let go and exited
        # -x: the new HAProxy took the old listening socket over rather than binding a new one, so
        # connections waiting in its backlog survive the reload.
        assert _listening_sockets(one[0].proxy_port) == listeners
        assert listeners <= _sockets_of(second.pid)
        assert processes.pids() == [second.pid]
        csv = requests.get(f"http://127.0.0.1:{settings.synapse_port}/;csv;norefresh", timeout=5).text
        assert "svc.main,127.0.0.1:31001_127.0.0.1," in csv
        state = processes.state_path.read_text().splitlines()
        assert state[-1].split()[3] == "127.0.0.1:31001_127.0.0.1" and state[-1].split()[5] == "0"
        with pytest.raises(DevclusterError, match="rejects"):
            processes.apply("this is not haproxy\n")
        assert second.poll() is None  # a rejected configuration keeps the running HAProxy
    finally:
        processes.stop()
    assert second.poll() is not None and processes.pids() == []
    with pytest.raises(DevclusterError, match="was stopped"):
        processes.apply(render_haproxy_config(one, settings))
