from __future__ import annotations

import pytest

from paasta_tools.config.smartstack import (
    InvalidSmartstackMode,
    load_service_namespace_config,
    load_service_namespace_configs,
    namespace_config_from_dict,
)
from paasta_tools.config.soa_dir import ServiceFiles
from paasta_tools.errors import ConfigError


def files(smartstack):
    return ServiceFiles(service="svc", soa_dir="/soa", smartstack=smartstack)


def test_missing_namespace_is_not_in_smartstack():
    ns = load_service_namespace_config(files({}), "svc", "main")
    assert ns.is_in_smartstack() is False
    assert ns.get_mode() is None
    assert ns.get("mode") is None
    assert ns.get("proxy_port", "absent") == "absent"
    assert ns.get_healthcheck_uri() == "/status"
    assert ns.get_discover() == "region"
    assert ns.get_advertise() == ["region"]
    assert ns.get_healthcheck_timeout_s() == 1
    assert ns.get_timeout_connect_ms() == 200
    assert ns.get_timeout_server_ms() == 1000
    assert ns.get_timeout_client_ms() == 1000
    assert ns.get_retries() == 1


def test_proxy_port_defaults_mode_to_http():
    ns = load_service_namespace_config(files({"main": {"proxy_port": 20001}}), "svc", "main")
    assert ns.is_in_smartstack() is True
    assert ns.get_mode() == "http"
    assert ns.get("proxy_port") == 20001
    assert "proxy_port" in ns


def test_null_proxy_port_is_not_in_smartstack():
    ns = namespace_config_from_dict("main", {"proxy_port": None}, "s")
    assert ns.is_in_smartstack() is False
    assert ns.get_mode() is None


def test_only_known_keys_are_loaded():
    ns = namespace_config_from_dict("main", {"proxy_port": 1, "allredisp": True, "discover": "habitat"}, "s")
    assert ns.get("allredisp") is None
    assert ns.get_discover() == "habitat"


@pytest.mark.parametrize("mode", ["tcp", "https", "http"])
def test_explicit_modes(mode):
    assert namespace_config_from_dict("main", {"proxy_port": 1, "mode": mode}, "s").get_mode() == mode


def test_bad_mode_names_smartstack_yaml_and_key():
    with pytest.raises(InvalidSmartstackMode) as excinfo:
        load_service_namespace_config(files({"main": {"mode": "udp"}}), "svc", "main")
    assert isinstance(excinfo.value, ConfigError)
    assert "/soa/svc/smartstack.yaml, namespace 'main', key 'mode'" in str(excinfo.value)
    assert "'udp'" in str(excinfo.value)


def test_routes_and_extra_advertise_are_flattened():
    ns = namespace_config_from_dict(
        "main",
        {
            "proxy_port": 1,
            "routes": [{"source": "a", "destinations": ["b", "c"]}],
            "extra_advertise": {"region:r1": ["region:r2", "region:r3"]},
        },
        "s",
    )
    assert ns.routes == [("a", "b"), ("a", "c")]
    assert ns.extra_advertise == [("region:r1", "region:r2"), ("region:r1", "region:r3")]


def test_malformed_routes_are_a_config_error():
    with pytest.raises(ConfigError, match="key 'routes'"):
        namespace_config_from_dict("main", {"routes": [{"source": "a"}]}, "s")


def test_reads_smartstack_yaml_from_given_soa_dir(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "smartstack.yaml").write_text("main: {proxy_port: 20002, mode: tcp}\nother: {}\n")
    ns = load_service_namespace_config(tmp_path, "svc", "main")
    assert (ns.proxy_port, ns.get_mode()) == (20002, "tcp")
    assert [n.namespace for n in load_service_namespace_configs(str(tmp_path), "svc")] == ["main", "other"]
