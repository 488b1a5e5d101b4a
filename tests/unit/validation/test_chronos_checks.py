"""Chronos semantic checks: schedules, time zones, commands, epsilon, parents and cycles."""

from __future__ import annotations

from paasta_tools.config.validation_chronos import check_job, find_cycle, parent_names, parent_services


def test_valid_job_has_no_problems() -> None:
    job = {"schedule": "R/2016-07-28T00:00:00Z/PT2M", "cmd": "echo %(shortdate)s", "epsilon": "PT30M"}
    assert check_job("svc", "job", job, {"svc": {"job": job}}) == []


def test_schedule_faster_than_a_minute() -> None:
    (problem,) = check_job("svc", "job", {"schedule": "R/2016-01-01T00:00:00Z/PT10S"}, {})
    assert "'R/2016-01-01T00:00:00Z/PT10S'" in problem
    assert "at least 60 seconds" in problem


def test_unparseable_schedule() -> None:
    (problem,) = check_job("svc", "job", {"schedule": "every tuesday"}, {})
    assert "'every tuesday'" in problem


def test_unknown_time_zone() -> None:
    (problem,) = check_job("svc", "job", {"schedule": "0 3 * * *", "schedule_time_zone": "Mars/Olympus"}, {})
    assert "schedule_time_zone 'Mars/Olympus'" in problem


def test_unparseable_command_keeps_upstreams_hint() -> None:
    (problem,) = check_job("svc", "job", {"schedule": "0 3 * * *", "cmd": "echo 100%"}, {})
    assert problem.startswith("Unparseable command 'echo 100%'")
    assert "Hint: do you need to escape % chars?" in problem


def test_bad_epsilon() -> None:
    (problem,) = check_job("svc", "job", {"schedule": "0 3 * * *", "epsilon": "soon"}, {})
    assert problem.startswith("epsilon: ") and "'soon'" in problem


def test_wrongly_typed_values_are_left_to_the_schema() -> None:
    assert check_job("svc", "job", {"schedule": 5, "cmd": ["x"], "parents": 7}, {}) == []
    assert check_job("svc", "job", None, {}) == []


def test_unknown_parent_in_the_same_service_suggests_the_closest_job() -> None:
    jobs = {"svc": {"nightly": {"schedule": "0 3 * * *"}, "child": {"parents": ["svc.nigthly"]}}}
    assert check_job("svc", "child", jobs["svc"]["child"], jobs) == [
        "Parent job svc.nigthly could not be found (did you mean 'svc.nightly'?)"
    ]


def test_parent_in_another_service() -> None:
    jobs = {"svc": {"child": {"parents": "other.fetch"}}, "other": {"fetch": {"schedule": "0 3 * * *"}}}
    assert check_job("svc", "child", jobs["svc"]["child"], jobs) == []
    jobs_without = {"svc": jobs["svc"], "other": {}}
    assert check_job("svc", "child", jobs["svc"]["child"], jobs_without) == [
        "Parent job other.fetch could not be found"
    ]


def test_job_that_is_its_own_parent() -> None:
    job = {"parents": ["svc.job"]}
    assert check_job("svc", "job", job, {"svc": {"job": job}}) == ["Job svc.job cannot be its own parent"]


def test_cycle_through_parents_is_named_in_order() -> None:
    jobs = {
        "svc": {"a": {"parents": ["svc.b"]}, "b": {"parents": ["other.c"]}},
        "other": {"c": {"parents": ["svc.a"]}},
    }
    assert check_job("svc", "a", jobs["svc"]["a"], jobs) == ["Parents form a cycle: svc.a -> svc.b -> other.c -> svc.a"]
    assert find_cycle("other.c", jobs) == ["other.c", "svc.a", "svc.b", "other.c"]


def test_no_cycle_for_a_diamond() -> None:
    jobs = {
        "svc": {
            "root": {"schedule": "0 3 * * *"},
            "left": {"parents": ["svc.root"]},
            "right": {"parents": ["svc.root"]},
            "join": {"parents": ["svc.left", "svc.right"]},
        }
    }
    assert find_cycle("svc.join", jobs) == []


def test_parent_names_and_services() -> None:
    assert parent_names({"parents": "a.b"}) == ["a.b"]
    assert parent_names({"parents": ["a.b", 3]}) == ["a.b"]
    assert parent_names("not a job") == []
    assert parent_services({"x": {"parents": ["a.b", "c.d"]}, "y": {"schedule": "0 3 * * *"}}) == {"a", "c"}
