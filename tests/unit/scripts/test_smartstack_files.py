"""The SmartStack files (services file, services.yaml, synapse fact): renderers and their scripts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from paasta_tools.errors import ConfigError
from paasta_tools.scripts import generate_services_file, generate_services_yaml, synapse_srv_namespaces_fact
from paasta_tools.smartstack_files import (
    ServiceNamespaces,
    render_services_file,
    render_services_yaml,
    service_namespaces_from_dicts,
    services_yaml_config,
    synapse_namespaces_fact,
)

MUMBLE = ServiceNamespaces("mumble", 1234, "Mumble things", (("main", 111), ("canary", 5019)))
ZOOKEEPER = ServiceNamespaces("zookeeper", None, "No description", (("hab", 4921),))


def test_services_file_lists_the_service_port_then_each_namespace():
    assert render_services_file([MUMBLE, ZOOKEEPER]) == (
        "mumble\t1234/tcp\t# Mumble things\n"
        "mumble.main\t111/tcp\t# Mumble things\n"
        "mumble.canary\t5019/tcp\t# Mumble things\n"
        "zookeeper.hab\t4921/tcp\t# No description\n"
    )


def test_services_yaml_points_every_namespace_at_yocalhost():
    text = render_services_yaml(services_yaml_config([MUMBLE, ZOOKEEPER]))
    assert text.startswith("---\n")
    assert "mumble.canary:\n  host: 169.254.255.254\n  port: 5019\n" in text
    assert yaml.safe_load(text) == {
        "mumble.main": {"host": "169.254.255.254", "port": 111},
        "mumble.canary": {"host": "169.254.255.254", "port": 5019},
        "zookeeper.hab": {"host": "169.254.255.254", "port": 4921},
    }


def test_fact_is_sorted_and_comma_separated():
    assert synapse_namespaces_fact([ZOOKEEPER, MUMBLE]) == (
        "synapse_srv_namespaces=mumble.canary:5019,mumble.main:111,zookeeper.hab:4921"
    )
    assert synapse_namespaces_fact([]) == "synapse_srv_namespaces="


def test_namespaces_without_proxy_port_are_left_out_and_defaults_apply():
    entry = service_namespaces_from_dicts("svc", {}, {"main": {"proxy_port": 20001}, "batch": {}, "x": None})
    assert entry == ServiceNamespaces("svc", None, "No description", (("main", 20001),))


@pytest.mark.parametrize(
    ("service_yaml", "smartstack", "message"),
    [
        ({}, {"main": {"proxy_port": "http"}}, "svc/smartstack.yaml, namespace 'main', key 'proxy_port'"),
        ({}, {"main": {"proxy_port": True}}, "must be a port number, not True"),
        ({}, {"main": {"proxy_port": 70000}}, "between 1 and 65535, not 70000"),
        ({}, {"main": ["proxy_port"]}, "namespace 'main': must be a mapping"),
        ({"port": "x"}, {}, "svc/service.yaml, key 'port'"),
    ],
)
def test_bad_ports_name_the_file_and_key(service_yaml, smartstack, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        service_namespaces_from_dicts("svc", service_yaml, smartstack, "svc")


def _write(soa: Path, service: str, service_yaml: str, smartstack: str) -> None:
    (soa / service).mkdir(parents=True)
    (soa / service / "service.yaml").write_text(service_yaml)
    (soa / service / "smartstack.yaml").write_text(smartstack)


@pytest.fixture
def soa(tmp_path: Path) -> Path:
    soa = tmp_path / "soa"
    _write(soa, "zookeeper", "", "hab:\n  proxy_port: 4921\n")
    _write(soa, "mumble", "description: Mumble things\nport: 1234\n", "main:\n  proxy_port: 111\nbatch: {}\n")
    _write(soa, "broken", "", "main: [\n")
    return soa


def test_generate_services_file_prints_good_services_and_reports_the_broken_one(soa, capsys):
    assert generate_services_file.main(["-d", str(soa)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        "mumble\t1234/tcp\t# Mumble things\n"
        "mumble.main\t111/tcp\t# Mumble things\n"
        "zookeeper.hab\t4921/tcp\t# No description\n"
    )
    assert "skipped service broken:" in err and "smartstack.yaml: invalid YAML" in err


def test_generate_services_yaml_writes_the_file_once(soa, tmp_path, capsys):
    (soa / "broken" / "smartstack.yaml").write_text("main:\n  proxy_port: 20000\n")
    output = tmp_path / "services.yaml"
    assert generate_services_yaml.main([str(output), "-d", str(soa)]) == 0
    assert yaml.safe_load(output.read_text())["broken.main"] == {"host": "169.254.255.254", "port": 20000}
    before = output.stat().st_mtime_ns
    assert generate_services_yaml.write_if_changed(str(output), output.read_text()) is False
    assert output.stat().st_mtime_ns == before


def test_generate_services_yaml_reports_an_unwritable_path(soa, tmp_path, capsys):
    assert generate_services_yaml.main([str(tmp_path / "missing" / "services.yaml"), "-d", str(soa)]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_generate_services_yaml_needs_an_output_path(capsys):
    with pytest.raises(SystemExit) as exit_info:
        generate_services_yaml.main([])
    assert exit_info.value.code == 2


def test_fact_script_prints_one_line(soa, capsys):
    assert synapse_srv_namespaces_fact.main(["-d", str(soa)]) == 1
    out, _ = capsys.readouterr()
    assert out == "synapse_srv_namespaces=mumble.main:111,zookeeper.hab:4921\n"
