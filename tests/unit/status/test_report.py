"""Cluster blocks, per-type dispatch, JSON, tables, humanised times and colours."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import ClassVar

from paasta_tools.status import report
from paasta_tools.status.colors import PLAIN, Palette, strip_colors
from paasta_tools.status.text import deployed_at, format_table, naturaltime


@dataclasses.dataclass(frozen=True)
class FakeJobStatus:
    instance_type: ClassVar[str] = "fakejob"
    instance: str
    git_sha: str
    when: datetime.datetime


def test_naturaltime() -> None:
    assert [naturaltime(s) for s in (0, 1, 59, 60, 119, 120, 3600, 7300, 86400, 3 * 86400, 400 * 86400)] == [
        "now",
        "a second ago",
        "59 seconds ago",
        "a minute ago",
        "a minute ago",
        "2 minutes ago",
        "an hour ago",
        "2 hours ago",
        "a day ago",
        "3 days ago",
        "a year ago",
    ]
    assert naturaltime(-90) == "a minute from now"


def test_deployed_at_and_tables() -> None:
    now = datetime.datetime(2017, 3, 15, 10, 20, tzinfo=datetime.UTC)
    assert deployed_at(now - datetime.timedelta(minutes=5), now, datetime.UTC) == "2017-03-15T10:15 (5 minutes ago)"
    assert deployed_at(None, now) == "Unknown"
    p = Palette()
    rows = [("a", "bb", "c"), "a string row", (p.red("long cell"), "x", "y")]
    assert [strip_colors(line) for line in format_table(rows)] == [
        "a          bb  c",
        "a string row",
        "long cell  x   y",
    ]
    assert format_table(["only", "strings"]) == ["only", "strings"]


def test_palette_off_returns_text_unchanged() -> None:
    assert PLAIN.red("x") == "x" and PLAIN.grey("y") == "y"
    assert Palette().green("ok") == "\033[32mok\033[0m"


def test_cluster_block_indents_instance_lines_by_two_and_others_by_four() -> None:
    error = report.InstanceError("broken", "marathon", "abcdef01", "Marathon did not answer")
    block = report.ClusterReport("c1", not_deployed=("canary",), instances=(error,), unknown_instances=("typo",))
    assert report.render_cluster(block, 0, PLAIN) == [
        "",
        "cluster: c1",
        "  instance: canary",
        "    Git sha:    None (not deployed yet)",
        "  instance: broken",
        "    Git sha:    abcdef01 (desired)",
        "    Error: Marathon did not answer",
        "",
        "Warning: This service does not have any instance matching these names:",
        "typo",
    ]
    assert not block.ok
    failed = report.ClusterReport("c2", error="could not reach Marathon")
    assert report.render_cluster(failed, 0, PLAIN)[2] == "    Error: could not reach Marathon"


def test_dispatch_by_instance_type(monkeypatch) -> None:
    when = datetime.datetime(2017, 3, 15, tzinfo=datetime.UTC)
    status = FakeJobStatus("nightly", "abcdef01", when)
    assert report.render_instance(status, 0, PLAIN)[-1] == "Status of fakejob instances is not shown by this version."
    monkeypatch.setitem(report.RENDERERS, "fakejob", lambda s, verbose, p: [f"Job: {s.instance} v{verbose}"])
    assert report.render_instance(status, 2, PLAIN) == [
        "instance: nightly",
        "Git sha:    abcdef01 (desired)",
        "Job: nightly v2",
    ]


def test_json_document() -> None:
    when = datetime.datetime(2017, 3, 15, tzinfo=datetime.UTC)
    block = report.ClusterReport("c1", instances=(FakeJobStatus("nightly", "abcdef01", when),))
    document = json.loads(json.dumps(report.report_json("svc", [block])))
    assert document == {
        "service": "svc",
        "clusters": [
            {
                "cluster": "c1",
                "not_deployed": [],
                "error": None,
                "unknown_instances": [],
                "instances": [
                    {
                        "instance": "nightly",
                        "git_sha": "abcdef01",
                        "when": "2017-03-15T00:00:00+00:00",
                        "instance_type": "fakejob",
                    }
                ],
            }
        ],
    }
    assert report.whitelist_warning("cluster", []) == []
