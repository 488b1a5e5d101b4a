"""The csysdig command line and Marathon URLs with credentials."""

from __future__ import annotations

from paasta_tools.cli.cmds.sysdig import csysdig_command, marathon_url_with_credentials


def test_credentials_go_into_the_url_quoted_and_only_when_both_are_set() -> None:
    assert marathon_url_with_credentials("http://m:8080/", "u", "p@ss") == "http://u:p%40ss@m:8080/"
    assert marathon_url_with_credentials("https://marathon.example.com", "u", "p") == "https://u:p@marathon.example.com"
    assert marathon_url_with_credentials("http://m:8080", None, "p") == "http://m:8080"
    assert marathon_url_with_credentials("http://m:8080", "u", "") == "http://m:8080"


def test_the_command_filters_to_the_app() -> None:
    assert csysdig_command("svc.main.git1.config2", "http://mesos:5050", "http://u:p@m:8080") == (
        'sudo csysdig -m http://mesos:5050,http://u:p@m:8080 marathon.app.id="/svc.main.git1.config2" -v mesos_tasks'
    )
    assert 'marathon.app.id="/x"' in csysdig_command("/x", "m", "n")
