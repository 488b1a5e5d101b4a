from __future__ import annotations

import json

import pytest

from paasta_tools.cli.cli import main
from paasta_tools.cli.cmds.info import get_service_info


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def soa(tmp_path):
    service_yaml = "description: The web tier\nexternal_link: http://docs\ngit_url: /git/web\n"
    _write(tmp_path / "web" / "service.yaml", service_yaml)
    _write(tmp_path / "web" / "marathon-norcal-prod.yaml", "main: {}\ncanary: {}\n")
    _write(tmp_path / "web" / "marathon-pnw-prod.yaml", "main: {}\n")
    _write(tmp_path / "web" / "chronos-pnw-prod.yaml", "cleanup: {schedule: R/2016-01-01T00:00:00Z/P1D}\n")
    _write(tmp_path / "web" / "smartstack.yaml", "main: {proxy_port: 20001}\nadmin: {proxy_port: 20002, mode: tcp}\n")
    _write(tmp_path / "web" / "monitoring.yaml", "team: frontend\nrunbook: y/rb-web\n")
    _write(tmp_path / "db" / "adhoc-dev.yaml", "shell: {}\n")
    _write(tmp_path / "unused" / "service.yaml", "description: nothing deployed\n")
    return tmp_path


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_list_services_with_instances(soa, capsys):
    assert _run(capsys, "list", "-d", str(soa)) == (0, "db\nweb\n", "")


def test_list_all_services(soa, capsys):
    assert _run(capsys, "list", "-a", "--soa-dir", str(soa)) == (0, "db\nunused\nweb\n", "")


def test_list_instances(soa, capsys):
    rc, out, _ = _run(capsys, "list", "-i", "-d", str(soa))
    assert rc == 0
    assert out.splitlines() == ["db.shell", "web.main", "web.canary", "web.cleanup"]


def test_list_reports_broken_service_and_keeps_going(soa, capsys):
    _write(soa / "broken" / "marathon-x.yaml", "main: [\n")
    rc, out, err = _run(capsys, "list", "-d", str(soa))
    assert rc == 1
    assert out == "db\nweb\n"
    assert "Skipping service broken:" in err and "marathon-x.yaml" in err


def test_list_clusters(soa, capsys):
    assert _run(capsys, "list-clusters", "-d", str(soa)) == (0, "dev\nnorcal-prod\npnw-prod\n", "")


def test_info_without_deployments(soa):
    text = get_service_info("web", str(soa))
    assert text.splitlines() == [
        "Service Name: web",
        "Description: The web tier",
        "External Link: http://docs",
        "Monitored By: team frontend",
        "Runbook: y/rb-web",
        "Git Repo: /git/web",
        "Deployed to the following clusters:",
        " - N/A: Not deployed to any PaaSTA Clusters",
        "Smartstack endpoint(s):",
        " - http://169.254.255.254:20001 (main)",
        " - tcp://169.254.255.254:20002 (admin)",
        "Dashboard(s):",
        " - https://uchiwa.yelpcorp.com/#/events?q=web (Sensu Alerts)",
    ]


def test_info_with_deployments_lists_clusters_with_links(soa):
    entry = {"docker_image": "services-web:paasta-abc", "desired_state": "start", "force_bounce": None}
    v1 = {f"web:paasta-{branch}": entry for branch in ("pnw-prod.main", "norcal-prod.main", "norcal-prod.canary")}
    (soa / "web" / "deployments.json").write_text(json.dumps({"v1": v1, "v2": {"deployments": {}, "controls": {}}}))
    lines = get_service_info("web", str(soa)).splitlines()
    start = lines.index("Deployed to the following clusters:")
    assert lines[start + 1 : start + 3] == [
        " - norcal-prod (http://web.paasta-norcal-prod.yelp/)",
        " - pnw-prod (http://web.paasta-pnw-prod.yelp/)",
    ]


def test_info_tcp_link_and_defaults(soa):
    _write(soa / "db" / "smartstack.yaml", "main: {proxy_port: 20010, mode: tcp}\n")
    v1 = {"db:paasta-dev.shell": {"docker_image": "services-db:paasta-abc", "desired_state": "start"}}
    (soa / "db" / "deployments.json").write_text(json.dumps({"v1": v1}))
    lines = get_service_info("db", str(soa)).splitlines()
    assert " - dev (tcp://paasta-dev.yelp:20010/)" in lines
    assert lines[1].startswith("Description: No 'description' entry in service.yaml.")
    assert lines[2].startswith("External Link: No 'external_link' entry in service.yaml.")
    assert lines[3] == "Monitored By: team None"
    assert lines[4].startswith("Runbook: Please set a `runbook` field")
    assert lines[5] == "Git Repo: git@git.yelpcorp.com:services/db.git"


def test_info_colours_links_for_a_terminal(soa):
    assert "External Link: \033[36mhttp://docs\033[0m" in get_service_info("web", str(soa), colour=True)


def test_info_via_cli(soa, capsys):
    rc, out, _ = _run(capsys, "info", "-s", "web", "-d", str(soa))
    assert rc == 0
    assert out.startswith("Service Name: web\n")


def test_info_defaults_to_current_directory_name(soa, capsys, monkeypatch):
    monkeypatch.chdir(soa / "web")
    rc, out, _ = _run(capsys, "info", "-d", str(soa))
    assert rc == 0 and "Service Name: web" in out


@pytest.mark.parametrize("service", ["../web", "ghost"])
def test_info_bad_service_is_a_clear_error(soa, capsys, service):
    rc, out, err = _run(capsys, "info", "-s", service, "-d", str(soa))
    assert rc == 1
    assert out == ""
    assert repr(service) in err and "Traceback" not in err
