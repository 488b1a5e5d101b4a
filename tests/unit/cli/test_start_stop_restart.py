"""Pure parts of start/stop/restart and mark-for-deployment: selection, messages, flag parsing."""

from __future__ import annotations

import argparse

import pytest

from paasta_tools.cli.cli import build_parser
from paasta_tools.cli.cmds.mark_for_deployment import (
    strip_services_prefix,
    unused_deploy_group_warning,
    validate_full_git_sha,
)
from paasta_tools.cli.cmds.start_stop_restart import (
    CHRONOS_MESSAGES,
    MARATHON_MESSAGES,
    _framework_message,
    select_instances,
    valid_clusters,
)
from paasta_tools.config.soa_dir import ServiceFiles

FILES = ServiceFiles(
    service="svc",
    soa_dir="/soa",
    instance_files={
        ("marathon", "c1"): {"main": {}, "canary": {"deploy_group": "canary"}},
        ("chronos", "c1"): {"job": {}},
        ("marathon", "c2"): {"main": {}},
    },
)


def test_valid_clusters_all_or_those_having_the_instances():
    assert valid_clusters(FILES, None) == ["c1", "c2"]
    assert valid_clusters(FILES, ["job"]) == ["c1"]
    assert valid_clusters(FILES, ["main"]) == ["c1", "c2"]
    assert valid_clusters(FILES, ["nope"]) == []


def test_select_instances_keeps_cluster_then_type_then_yaml_order():
    configs, unknown = select_instances(FILES, ["c1", "c2"], None)
    assert [(c.cluster, c.instance_type, c.instance) for c in configs] == [
        ("c1", "marathon", "main"),
        ("c1", "marathon", "canary"),
        ("c1", "chronos", "job"),
        ("c2", "marathon", "main"),
    ]
    assert unknown == []
    configs, unknown = select_instances(FILES, ["c2"], ["main", "job"])
    assert [c.get_branch() for c in configs] == ["c2.main"]
    assert unknown == ["job"]
    assert select_instances(FILES, ["c1"], ["canary"])[0][0].get_deploy_group() == "canary"


def test_framework_message_once_per_framework():
    explained: set[str] = set()
    assert _framework_message("marathon", "stop", explained) == [MARATHON_MESSAGES["stop"] + "\n"]
    assert _framework_message("marathon", "stop", explained) == []
    assert _framework_message("chronos", "stop", explained) == [CHRONOS_MESSAGES["stop"] + "\n"]
    assert _framework_message("adhoc", "stop", explained) == []


@pytest.mark.parametrize("command", ["start", "restart", "stop"])
def test_start_stop_restart_parsers_require_clusters(command, capsys):
    func = f"paasta_{command}"
    parser = build_parser([command])
    args = parser.parse_args([command, "-s", "svc", "-c", "c1,c2", "-i", "main"])
    assert (args.service, args.clusters, args.instances, args.command_func.__name__) == ("svc", "c1,c2", "main", func)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args([command, "-s", "svc"])
    assert exc.value.code == 1
    assert "-c/--clusters" in capsys.readouterr().err


def test_mark_for_deployment_flags_and_aliases():
    sha = "0123456789abcdef0123456789abcdef01234567"
    parser = build_parser(["mark-for-deployment"])
    spellings = (
        ["-c", sha, "-l", "prod"],
        ["-k", sha, "--clusterinstance", "prod"],
        ["--commit", sha, "--deploy-group", "prod"],
    )
    for flags in spellings:
        args = parser.parse_args(["mark-for-deployment", "-s", "svc", *flags])
        assert (args.commit, args.deploy_group, args.git_url, args.verbose) == (sha, "prod", None, 0)


@pytest.mark.parametrize("value", ["abc", "A" * 40, "g" * 40, "a" * 39, "a" * 41, "a" * 40 + "\n"])
def test_validate_full_git_sha_rejects(value):
    with pytest.raises(argparse.ArgumentTypeError, match="is not a full git sha"):
        validate_full_git_sha(value)


def test_helpers():
    assert validate_full_git_sha("a" * 40) == "a" * 40
    assert strip_services_prefix("services-foo") == "foo"
    assert strip_services_prefix("foo-services-x") == "foo-services-x"
    lines = unused_deploy_group_warning("prdo", ["canary", "prod"])
    assert lines[0] == "ERROR: These deploy groups are not currently used anywhere: prdo."
    assert "   canary,prod" in lines and lines[-1] == "Continuing regardless..."


def test_completers(tmp_path):
    from types import SimpleNamespace

    from paasta_tools.cli.cmds.start_stop_restart import (
        complete_clusters,
        complete_deploy_groups,
        complete_instances,
        complete_services,
    )

    svc = tmp_path / "svc"
    svc.mkdir()
    (tmp_path / "other").mkdir()
    (svc / "marathon-c1.yaml").write_text("main: {}\ncanary:\n  deploy_group: canary\n")
    (svc / "chronos-c2.yaml").write_text("job: {}\n")
    (svc / "deploy.yaml").write_text("pipeline:\n- step: itest\n- step: prod\n")
    args = SimpleNamespace(soa_dir=str(tmp_path), service="svc")
    assert complete_services("", args) == ["other", "svc"]
    assert complete_services("s", args) == ["svc"]
    assert complete_clusters("", args) == ["c1", "c2"]
    assert complete_clusters("c1,c", args) == ["c1,c1", "c1,c2"]
    assert complete_instances("main,", args) == ["main,main", "main,canary", "main,job"]
    assert complete_deploy_groups("c", args) == ["c1.main", "c2.job", "canary"]
    assert complete_deploy_groups("p", args) == ["prod"]
    assert complete_clusters("", SimpleNamespace(soa_dir=str(tmp_path), service="nope")) == []


def test_rollback_helpers():
    from datetime import UTC, datetime, timedelta

    from paasta_tools.cli.cmds.rollback import format_table, natural_time, split_deploy_groups

    assert split_deploy_groups(["prod", "canary"], "") == (["canary", "prod"], [])
    assert split_deploy_groups(["prod", "canary"], "prod,x,prod") == (["prod"], ["x"])
    now = datetime(2017, 6, 1, tzinfo=UTC)
    cases = {0: "now", 1: "a second ago", 59: "59 seconds ago", 60: "a minute ago", 3600: "an hour ago"}
    cases.update({7200: "2 hours ago", 86400 * 3: "3 days ago", 86400 * 60: "2 months ago", 86400 * 800: "2 years ago"})
    for seconds, text in cases.items():
        assert natural_time(now - timedelta(seconds=seconds), now) == text
    assert format_table([("a", "bb"), ("ccc", "d")]) == ["a    bb", "ccc  d"]
