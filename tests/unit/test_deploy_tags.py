"""Tag names and compute_deployments (spec §3.3 with the §0.1 force_bounce rule)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from paasta_tools.deploy_tags import (
    RefIndex,
    compute_deployments,
    control_tag_ref,
    deploy_tag_ref,
    format_timestamp,
    parse_control_tag,
    parse_deploy_tag,
    parse_timestamp,
)

A, B, C = "a" * 40, "b" * 40, "c" * 40


def image(sha: str) -> str:
    return f"services-svc:paasta-{sha}"


def entry(sha: str, state: str = "start", force_bounce: str | None = None) -> dict:
    return {"docker_image": image(sha), "desired_state": state, "force_bounce": force_bounce}


def test_tag_formats():
    assert deploy_tag_ref("prod.main", "20170420T153012") == "refs/tags/paasta-prod.main-20170420T153012-deploy"
    assert control_tag_ref("c1.main", "20170420T153012", "stop") == "refs/tags/paasta-c1.main-20170420T153012-stop"
    with pytest.raises(ValueError, match="'pause'"):
        control_tag_ref("c1.main", "20170420T153012", "pause")


def test_format_timestamp_is_utc():
    aware = datetime(2017, 4, 20, 17, 30, 12, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(aware) == "20170420T153012"
    assert format_timestamp(datetime(2017, 4, 20, 15, 30, 12)) == "20170420T153012"
    assert parse_timestamp("20170420T153012") == datetime(2017, 4, 20, 15, 30, 12, tzinfo=UTC)
    assert parse_timestamp("20171320T153012") is None


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("refs/tags/paasta-prod.main-20170420T153012-deploy", ("prod.main", "20170420T153012")),
        ("refs/tags/paasta-a-b-c-20170420T153012-deploy", ("a-b-c", "20170420T153012")),
        ("refs/tags/paasta-prod-20170420T1530-deploy", None),
        ("refs/heads/paasta-prod-20170420T153012-deploy", None),
        ("refs/tags/paasta-c1.main-20170420T153012-stop", None),
    ],
)
def test_parse_deploy_tag(ref, expected):
    tag = parse_deploy_tag(ref, A)
    assert (tag and (tag.deploy_group, tag.timestamp)) == expected


def test_parse_control_tag():
    tag = parse_control_tag("refs/tags/paasta-c1.main-20170420T153012-stop", A)
    assert (tag.branch, tag.timestamp, tag.state, tag.sha) == ("c1.main", "20170420T153012", "stop", A)
    assert parse_control_tag("refs/tags/paasta-prod-20170420T153012-deploy") is None


def test_latest_deploy_tag_wins_and_no_tag_omits_instance():
    refs = {
        "refs/heads/master": C,
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-prod-20170301T000000-deploy": B,
        "refs/tags/paasta-prod-20170201T000000-deploy": C,
    }
    result = compute_deployments("svc", [("c1.main", "prod"), ("c1.canary", "canary")], refs)
    assert result == {
        "v1": {"svc:paasta-c1.main": entry(B)},
        "v2": {
            "deployments": {"prod": {"docker_image": image(B), "git_sha": B}},
            "controls": {"svc:c1.main": {"desired_state": "start", "force_bounce": None}},
        },
    }


def test_stop_tag_on_deployed_sha_sets_state_and_force_bounce():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-c1.main-20170102T000000-start": A,
        "refs/tags/paasta-c1.main-20170103T000000-stop": A,
    }
    result = compute_deployments("svc", [("c1.main", "prod")], refs)
    assert result["v1"]["svc:paasta-c1.main"] == entry(A, "stop", "20170103T000000")
    assert result["v2"]["controls"]["svc:c1.main"] == {"desired_state": "stop", "force_bounce": "20170103T000000"}


def test_start_after_stop_on_same_sha():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-c1.main-20170103T000000-stop": A,
        "refs/tags/paasta-c1.main-20170104T000000-start": A,
    }
    assert compute_deployments("svc", [("c1.main", "prod")], refs)["v1"]["svc:paasta-c1.main"] == entry(
        A, "start", "20170104T000000"
    )


def test_control_tags_on_older_sha_are_ignored_so_remarking_resets_a_stop():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-c1.main-20170102T000000-stop": A,
        "refs/tags/paasta-prod-20170105T000000-deploy": B,
    }
    assert compute_deployments("svc", [("c1.main", "prod")], refs)["v1"]["svc:paasta-c1.main"] == entry(B)


def test_remarking_the_same_sha_keeps_its_stop():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-c1.main-20170102T000000-stop": A,
        "refs/tags/paasta-prod-20170105T000000-deploy": A,
    }
    assert compute_deployments("svc", [("c1.main", "prod")], refs)["v1"]["svc:paasta-c1.main"]["desired_state"] == (
        "stop"
    )


def test_control_tag_of_another_instance_is_ignored_and_prefixes_are_optional():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-c1.other-20170109T000000-stop": A,
        "refs/tags/c1.main-20170102T000000-stop": A,
    }
    result = compute_deployments("svc", [("c1.main", "prod"), ("c1.other", "prod")], refs)
    assert result["v1"]["svc:paasta-c1.main"] == entry(A, "stop", "20170102T000000")
    assert result["v1"]["svc:paasta-c1.other"] == entry(A, "stop", "20170109T000000")


def test_several_groups_key_order_follows_branch_order():
    refs = {
        "refs/tags/paasta-canary-20170101T000000-deploy": B,
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-c2.main-20170102T000000-stop": A,
    }
    branches = [("c2.main", "prod"), ("c1.canary", "canary"), ("c1.main", "prod"), ("c1.job", "nothing")]
    result = compute_deployments("svc", branches, refs)
    assert list(result["v1"]) == ["svc:paasta-c2.main", "svc:paasta-c1.canary", "svc:paasta-c1.main"]
    assert list(result["v2"]["deployments"]) == ["prod", "canary"]
    assert list(result["v2"]["controls"]) == ["svc:c2.main", "svc:c1.canary", "svc:c1.main"]
    assert result["v1"]["svc:paasta-c2.main"]["desired_state"] == "stop"
    assert result["v1"]["svc:paasta-c1.main"]["desired_state"] == "start"


def test_deploy_group_is_not_regex_escaped_as_upstream():
    refs = {"refs/tags/paasta-prodXmain-20170101T000000-deploy": A}
    assert compute_deployments("svc", [("c1.main", "prod.main")], refs)["v2"]["deployments"] == {
        "prod.main": {"docker_image": image(A), "git_sha": A}
    }


def test_deploy_group_with_regex_syntax():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-produ-20170201T000000-deploy": B,
    }
    assert RefIndex(refs).latest_deploy_tag("prod?").sha == A
    assert RefIndex(refs).latest_deploy_tag("produ?").sha == B
    assert RefIndex({"refs/tags/paasta-a(-20170101T000000-deploy": C}).latest_deploy_tag("a(").sha == C


def test_impossible_date_never_wins():
    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-prod-20179901T000000-deploy": B,
    }
    assert RefIndex(refs).latest_deploy_tag("prod").sha == A


def test_thousands_of_tags_are_fast():
    refs = {}
    for group in range(20):
        for n in range(100):
            refs[f"refs/tags/paasta-group{group}.x-2017{1 + n % 12:02d}01T{n % 24:02d}0000-deploy"] = f"{n:040x}"
    branches = [(f"c{i % 5}.inst{i}", f"group{i % 20}.x") for i in range(50)]
    start = time.perf_counter()
    result = compute_deployments("svc", branches, refs)
    assert time.perf_counter() - start < 0.1
    assert len(result["v1"]) == 50
    assert result["v2"]["deployments"]["group3.x"]["git_sha"] == f"{95:040x}"


def _reference_compute(service, branches, refs):
    """Upstream's algorithm written out with its regexes, one scan of all refs per lookup."""
    import re

    v1, deployments, controls = {}, {}, {}
    for branch, group in dict(branches).items():
        best = None
        deploy_re = re.compile("^refs/tags/paasta-" + group + r"-(\d{8}T\d{6})-deploy$")
        for ref, sha in refs.items():
            m = deploy_re.match(ref)
            if m and parse_timestamp(m.group(1)) and (best is None or m.group(1) > best[0]):
                best = (m.group(1), sha)
        if best is None:
            continue
        sha = best[1]
        control_re = re.compile(r"^refs/tags/(?:paasta-){0,2}" + branch + r"-(?P<fb>[^-]+)-(?P<state>(start|stop))$")
        states = [
            (m.group("state"), m.group("fb")) for ref, s in refs.items() if s == sha and (m := control_re.match(ref))
        ]
        state, fb = sorted(states, key=lambda x: x[1])[-1] if states else ("start", None)
        v1[f"{service}:paasta-{branch}"] = {"docker_image": image(sha), "desired_state": state, "force_bounce": fb}
        deployments[group] = {"docker_image": image(sha), "git_sha": sha}
        controls[f"{service}:{branch}"] = {"desired_state": state, "force_bounce": fb}
    return {"v1": v1, "v2": {"deployments": deployments, "controls": controls}}


@pytest.mark.parametrize("seed", range(30))
def test_indexed_lookup_agrees_with_upstream_regex_scan(seed):
    import random

    rng = random.Random(seed)
    names = ["c1.main", "c1-main", "c1xmain", "c1.ma", "prod", "pro.", "p-rod", "paasta-c1.main", "c1.main-x"]
    stamps = ["20170101T000000", "20170102T000000", "20171301T000000", "2017", "x"]
    shas = [A, B, C]
    refs = {}
    for _ in range(40):
        prefix = rng.choice(["refs/tags/paasta-", "refs/tags/", "refs/tags/paasta-paasta-", "refs/heads/paasta-"])
        suffix = rng.choice(["deploy", "start", "stop", "restart"])
        refs[f"{prefix}{rng.choice(names)}-{rng.choice(stamps)}-{suffix}"] = rng.choice(shas)
    branches = [(rng.choice(names), rng.choice(names)) for _ in range(6)]
    assert compute_deployments("svc", branches, refs) == _reference_compute("svc", branches, refs)


def test_plan_control_tags_targets_latest_deployed_sha_and_reports_missing_groups():
    from paasta_tools.deploy_tags import plan_control_tags

    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-prod-20170102T000000-deploy": B,
    }
    targets = [("c1.main", "prod"), ("c1.canary", "canary"), ("c2.canary", "canary")]
    plan = plan_control_tags(targets, refs, "stop", "20170103T000000")
    assert [(t.ref, t.sha) for t in plan.tags] == [("refs/tags/paasta-c1.main-20170103T000000-stop", B)]
    assert plan.missing_deploy_groups == ("canary",)
    refs.update({plan.tags[0].ref: plan.tags[0].sha})
    assert compute_deployments("svc", targets, refs)["v1"]["svc:paasta-c1.main"] == entry(B, "stop", "20170103T000000")


def test_previously_deployed_shas_newest_first_per_sha():
    from paasta_tools.deploy_tags import previously_deployed_shas

    refs = {
        "refs/tags/paasta-prod-20170101T000000-deploy": A,
        "refs/tags/paasta-canary-20170102T000000-deploy": B,
        "refs/tags/paasta-prod-20170103T000000-deploy": B,
        "refs/tags/paasta-prod-20170104T000000-deploy": A,
        "refs/tags/paasta-other-20170109T000000-deploy": C,
        "refs/tags/paasta-prod-20170110T000000-stop": C,
    }
    found = previously_deployed_shas(refs, ["prod", "canary"])
    assert [tuple(p) for p in found] == [(A, "20170104T000000", "prod"), (B, "20170103T000000", "prod")]
    assert [p.sha for p in previously_deployed_shas(refs, ["canary"])] == [B]
