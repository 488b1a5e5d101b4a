"""Schema validation of parsed instance files: every error found, each in plain words with its key path."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from paasta_tools.config.validation import FileKind, Issue, load_schema, validate_instance_data


def messages(kind: FileKind, data: object) -> list[str]:
    return [str(issue) for issue in validate_instance_data(kind, data)]


@pytest.mark.parametrize("kind", list(FileKind))
def test_schemas_ship_in_the_package_and_are_draft4(kind: FileKind) -> None:
    path = resources.files("paasta_tools.config").joinpath("schemas", f"{kind.value}_schema.json")
    schema = json.loads(path.read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    assert load_schema(kind) == schema


def test_a_valid_marathon_instance_has_no_issues() -> None:
    config = {
        "main": {
            "cpus": 0.5,
            "mem": 1024,
            "instances": 2,
            "cfs_period_us": 50000,
            "cpu_burst_pct": 100,
            "bounce_method": "downthenup",
            "drain_method": "hacheck",
            "healthcheck_mode": "http",
            "healthcheck_uri": "/health",
            "ulimit": {"nofile": {"soft": 1024}},
            "env": {"A": "b"},
            "bounce_priority": 10,
        }
    }
    assert validate_instance_data(FileKind.MARATHON, config) == []
    assert messages(FileKind.MARATHON, {"main": {"bounce_priority": "high"}}) == [
        "main.bounce_priority: should be an integer, not the string 'high'"
    ]


def test_wrong_type_names_key_path_expected_type_and_value() -> None:
    assert messages(FileKind.MARATHON, {"main": {"instances": "two"}}) == [
        "main.instances: should be an integer, not the string 'two'"
    ]


def test_unknown_key_suggests_the_closest_known_key() -> None:
    assert messages(FileKind.MARATHON, {"main": {"cpu": 1}}) == ["main: unknown key 'cpu' (did you mean 'cpus'?)"]
    assert messages(FileKind.CHRONOS, {"job": {"schedule": "0 * * * *", "shedule_time_zone": "UTC"}}) == [
        "job: unknown key 'shedule_time_zone' (did you mean 'schedule_time_zone'?)"
    ]


def test_unknown_key_without_a_close_match_has_no_suggestion() -> None:
    assert messages(FileKind.ADHOC, {"batch": {"zzzzqqq": 1}}) == ["batch: unknown key 'zzzzqqq'"]


def test_unknown_bounce_method_lists_the_valid_ones() -> None:
    assert messages(FileKind.MARATHON, {"main": {"bounce_method": "crosover"}}) == [
        "main.bounce_method: 'crosover' is not one of: crossover, brutal, upthendown, downthenup, down"
        " (did you mean 'crossover'?)"
    ]


def test_chronos_bounce_method_must_be_graceful() -> None:
    assert messages(FileKind.CHRONOS, {"job": {"schedule": "0 * * * *", "bounce_method": "brutal"}}) == [
        "job.bounce_method: 'brutal' is not allowed; the only valid value is 'graceful'"
    ]


def test_unknown_drain_method_is_reported_once_with_the_valid_ones() -> None:
    assert messages(FileKind.MARATHON, {"main": {"drain_method": "sideways"}}) == [
        "main.drain_method: 'sideways' is not one of: noop, hacheck, http, test"
    ]


def test_http_drain_method_needs_its_params() -> None:
    assert messages(FileKind.MARATHON, {"main": {"drain_method": "http"}}) == [
        "main: drain_method http needs drain_method_params with drain, stop_draining, is_draining and is_safe_to_kill"
    ]


@pytest.mark.parametrize("value", [1000, 100000, 1000000])
def test_valid_cfs_period_us_is_accepted(value: int) -> None:
    assert validate_instance_data(FileKind.MARATHON, {"main": {"cfs_period_us": value}}) == []
    assert validate_instance_data(FileKind.CHRONOS, {"j": {"schedule": "0 * * * *", "cfs_period_us": value}}) == []
    assert validate_instance_data(FileKind.ADHOC, {"a": {"cfs_period_us": value}}) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (999, "main.cfs_period_us: should be at least 1000, not 999"),
        (1000001, "main.cfs_period_us: should be at most 1000000, not 1000001"),
        ("1000", "main.cfs_period_us: should be an integer, not the string '1000'"),
    ],
)
def test_out_of_range_cfs_period_us_is_rejected(value: object, message: str) -> None:
    assert messages(FileKind.MARATHON, {"main": {"cfs_period_us": value}}) == [message]


def test_exclusive_minimum_is_worded_as_greater_than() -> None:
    assert messages(FileKind.MARATHON, {"main": {"mem": 32, "cpus": 0}}) == [
        "main.cpus: should be greater than 0, not 0",
        "main.mem: should be greater than 32, not 32",
    ]


@pytest.mark.parametrize("name", ["Main", "web.api", "-main", "main_", "has space"])
def test_illegal_marathon_instance_names(name: str) -> None:
    (message,) = messages(FileKind.MARATHON, {name: {"cpus": 1}})
    assert message.startswith(f"'{name}' is not a valid instance name: use lowercase letters")


def test_illegal_instance_name_suggests_a_valid_one() -> None:
    assert messages(FileKind.MARATHON, {"Canary": {"cpus": 1}})[0].endswith("(did you mean 'canary'?)")


def test_illegal_chronos_job_name() -> None:
    assert messages(FileKind.CHRONOS, {"my.job": {"schedule": "0 * * * *"}}) == [
        "'my.job' is not a valid instance name: use only letters, digits, '_' and '-' (did you mean 'my_job'?)"
    ]


def test_non_string_instance_name() -> None:
    assert messages(FileKind.MARATHON, {123: {"cpus": 1}}) == [
        "instance name 123 is not a string; write it in quotes: '123'"
    ]


@pytest.mark.parametrize("kind", list(FileKind))
def test_empty_file_defines_no_instances(kind: FileKind) -> None:
    assert messages(kind, {}) == ["defines no instances; add at least one instance, or delete the file"]


def test_top_level_list_is_not_a_mapping() -> None:
    assert messages(FileKind.MARATHON, ["main"]) == ["should be a mapping, not a list"]


def test_instance_without_settings() -> None:
    assert messages(FileKind.MARATHON, {"main": {}}) == ["main: has no settings; give it at least one key"]
    assert messages(FileKind.MARATHON, {"main": None}) == ["main: should be a mapping, not nothing (null)"]


def test_env_values_must_be_strings() -> None:
    assert messages(FileKind.MARATHON, {"main": {"env": {"PORT": 8888}}}) == [
        "main.env.PORT: should be a string, not the number 8888"
    ]


def test_cmd_healthcheck_needs_a_command() -> None:
    assert messages(FileKind.MARATHON, {"main": {"healthcheck_mode": "cmd"}}) == [
        "main: healthcheck_mode cmd needs a healthcheck_cmd string"
    ]


def test_marathon_cmd_and_args_conflict() -> None:
    assert messages(FileKind.MARATHON, {"main": {"cmd": "run", "args": ["x"]}}) == [
        "main: has both 'cmd' and 'args'; give the command in one of them"
    ]


def test_schedule_and_parents_conflict() -> None:
    assert messages(FileKind.CHRONOS, {"job": {"schedule": "0 * * * *", "parents": ["svc.other"]}}) == [
        "job: has both 'schedule' and 'parents'; a job runs on a schedule or after its parents, "
        "so keep only one of them"
    ]


def test_job_needs_schedule_or_parents() -> None:
    assert messages(FileKind.CHRONOS, {"job": {"cmd": "true"}}) == [
        "job: needs a 'schedule' (to run on a timer) or 'parents' (to run after other jobs)"
    ]


@pytest.mark.parametrize(
    ("parents", "expected"),
    [
        ("nodot", "job.parents: 'nodot' is not a job name like 'service.instance'"),
        (["svc.ok", "nodot"], "job.parents[1]: 'nodot' is not a job name like 'service.instance'"),
        (5, "job.parents: should be a job name like 'service.instance', or a list of them"),
        (["svc.a", "svc.a"], "job.parents: lists the same item more than once: 'svc.a'"),
    ],
)
def test_malformed_parents(parents: object, expected: str) -> None:
    assert messages(FileKind.CHRONOS, {"job": {"parents": parents}}) == [expected]


def test_every_error_of_a_file_is_reported_in_path_order() -> None:
    data = {
        "zeta": {"cpus": "lots"},
        "alpha": {"instances": -1, "nerve_ns": 3, "disk": 0},
    }
    assert messages(FileKind.MARATHON, data) == [
        "alpha.disk: should be greater than 0, not 0",
        "alpha.instances: should be at least 0, not -1",
        "alpha.nerve_ns: should be a string, not the number 3",
        "zeta.cpus: should be a number, not the string 'lots'",
    ]


def test_issue_without_path_prints_the_message_alone() -> None:
    assert str(Issue((), "broken")) == "broken"
    assert str(Issue(("job", "parents", 2), "bad")) == "job.parents[2]: bad"


def test_resource_amounts_no_scheduler_could_use_are_rejected() -> None:
    assert messages(FileKind.MARATHON, {"main": {"cpus": 1e308}}) == ["main.cpus: 1e+308 is too large; at most 1e+09"]
    assert messages(FileKind.CHRONOS, {"job": {"schedule": "0 * * * *", "mem": float("inf")}}) == [
        "job.mem: inf is too large; at most 1e+09"
    ]
    assert messages(FileKind.ADHOC, {"batch": {"disk": 1e9, "cpus": 0.5}}) == []
