"""Rendering a new service from a template, and the proxy port choice."""

from __future__ import annotations

import pytest
import yaml

from paasta_tools.errors import FsmError
from paasta_tools.fsm.render import FsmValues, free_proxy_port, proxy_ports_in, render_service

VALUES = FsmValues("new-svc", "devc", 20007, team="web", description="Serves: pages # fast", external_link="http://x/y")


def test_names_and_texts_are_filled_in_and_free_text_stays_one_yaml_string() -> None:
    templates = {
        "service.yaml": "description: ${description}\nexternal_link: ${external_link}\ngit_url: ${git_url}\n",
        "marathon-${cluster}.yaml": "main:\n  cmd: echo ${service} costs $$5\n",
        "smartstack.yaml": "main:\n  proxy_port: ${proxy_port}\n",
        "monitoring.yaml": "team: ${team}\n",
    }
    files = render_service(templates, VALUES)
    assert sorted(files) == ["marathon-devc.yaml", "monitoring.yaml", "service.yaml", "smartstack.yaml"]
    assert yaml.safe_load(files["service.yaml"]) == {
        "description": "Serves: pages # fast",
        "external_link": "http://x/y",
        "git_url": "git@git.yelpcorp.com:services/new-svc.git",
    }
    assert files["marathon-devc.yaml"] == "main:\n  cmd: echo new-svc costs $5\n"
    assert yaml.safe_load(files["smartstack.yaml"]) == {"main": {"proxy_port": 20007}}
    assert yaml.safe_load(files["monitoring.yaml"]) == {"team": "web"}


@pytest.mark.parametrize(
    ("templates", "values", "message"),
    [
        ({"a.yaml": "${nope}"}, VALUES, r"template a.yaml uses \$\{nope\}, which is not one of"),
        ({"a.yaml": "costs $5"}, VALUES, r"bad placeholder .* write \$\$ for a literal \$"),
        ({"../${service}.yaml": ""}, VALUES, "not a plain file name"),
        ({}, FsmValues("Bad.Name", "devc", 20000), "Invalid service name 'Bad.Name'"),
        ({}, FsmValues("svc", "PROD", 20000), "Invalid cluster name 'PROD'"),
    ],
)
def test_bad_templates_and_values(templates, values, message) -> None:
    with pytest.raises(FsmError, match=message):
        render_service(templates, values)


def test_proxy_ports() -> None:
    assert proxy_ports_in({"main": {"proxy_port": 20001}, "other": {"proxy_port": None}, "x": "y", "t": {}}) == {20001}
    assert proxy_ports_in(["not", "a", "mapping"]) == set()
    assert free_proxy_port({20000, 20001, 20003}) == 20002
    assert free_proxy_port(set()) == 20000
    with pytest.raises(FsmError, match=r"no more ports available in the range \[20000, 20001\]"):
        free_proxy_port({20000, 20001}, 20000, 20001)
