"""generate_all_deployments: bounded parallel runs where one broken service never stops the others."""

from __future__ import annotations

import threading
import time

import pytest

from paasta_tools.errors import GitError
from paasta_tools.scripts.generate_all_deployments import ServiceOutcome, generate_all, parse_args


def test_every_service_runs_and_failures_are_collected_in_order():
    def generate(service, soa_dir):
        if service == "gone":
            raise GitError("git ls-remote /repos/gone failed: not a repository")
        if service == "buggy":
            raise KeyError("surprise")
        return service == "changed", ("c1.bad: deploy_group is not a string",) if service == "partial" else ()

    outcomes = generate_all(["a", "gone", "changed", "buggy", "partial"], "/soa", jobs=3, generate=generate)
    assert [o.service for o in outcomes] == ["a", "gone", "changed", "buggy", "partial"]
    assert outcomes[0] == ServiceOutcome("a", False, ())
    assert outcomes[1].problems == ("git ls-remote /repos/gone failed: not a repository",)
    assert outcomes[2] == ServiceOutcome("changed", True, ())
    assert outcomes[3].problems == ("unexpected error: KeyError: 'surprise'",)
    assert outcomes[4].problems == ("skipped instance: c1.bad: deploy_group is not a string",)
    assert [o.failed for o in outcomes] == [False, True, False, True, True]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_no_more_than_jobs_services_run_at_once(jobs):
    lock = threading.Lock()
    running = {"now": 0, "max": 0}

    def generate(service, soa_dir):
        with lock:
            running["now"] += 1
            running["max"] = max(running["max"], running["now"])
        time.sleep(0.02)
        with lock:
            running["now"] -= 1
        return False, ()

    generate_all([f"s{n}" for n in range(6)], "/soa", jobs=jobs, generate=generate)
    assert running["max"] == jobs


def test_arguments_and_defaults():
    args = parse_args(["-d", "/soa", "-j", "8", "-v"])
    assert (args.soa_dir, args.jobs, args.verbose) == ("/soa", 8, True)
    assert parse_args([]).jobs == 4
    with pytest.raises(SystemExit):
        parse_args(["-j", "0"])


@pytest.mark.parametrize("value", ["0", "-3", "four"])
def test_jobs_must_be_a_positive_integer_for_every_script(value, capsys) -> None:
    from paasta_tools.scripts import deploy_marathon_services, generate_all_deployments

    for script in (generate_all_deployments, deploy_marathon_services):
        with pytest.raises(SystemExit) as exc:
            script.main(["-j", value])
        assert exc.value.code == 2
        assert f"must be a positive integer, got {value!r}" in capsys.readouterr().err
