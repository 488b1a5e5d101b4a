from __future__ import annotations

import pytest

from paasta_tools.config.adhoc_config import AdhocJobConfig
from paasta_tools.config.chronos_config import ChronosJobConfig
from paasta_tools.errors import InvalidInstanceConfig


def chronos(config=None, branch=None):
    return ChronosJobConfig(service="svc", cluster="c1", instance="job", config_dict=config or {}, branch_dict=branch)


def adhoc(instance, config=None):
    return AdhocJobConfig(service="svc", cluster="c1", instance=instance, config_dict=config or {})


def test_chronos_defaults():
    job = chronos()
    assert job.get_schedule() is None
    assert job.get_schedule_time_zone() is None
    assert job.get_parents() is None
    assert job.get_epsilon() == "PT60S"
    assert job.get_retries() == 2
    assert job.get_disabled() is False
    assert job.get_bounce_method() == "graceful"
    assert job.get_shell() is True
    assert job.get_cpus() == 0.25


def test_chronos_values():
    job = chronos(
        {
            "schedule": "R/2016-01-01T00:00:00Z/PT1H",
            "schedule_time_zone": "America/Los_Angeles",
            "epsilon": "PT30S",
            "retries": 5,
            "disabled": True,
        }
    )
    assert job.get_schedule() == "R/2016-01-01T00:00:00Z/PT1H"
    assert job.get_schedule_time_zone() == "America/Los_Angeles"
    assert job.get_epsilon() == "PT30S"
    assert job.get_retries() == 5
    assert job.is_disabled() is True


def test_parents_single_string_becomes_list():
    assert chronos({"parents": "svc.other"}).get_parents() == ["svc.other"]
    assert chronos({"parents": ["a.b", "c.d"]}).get_parents() == ["a.b", "c.d"]


def test_parents_of_wrong_type_are_invalid():
    with pytest.raises(InvalidInstanceConfig, match="'parents'"):
        chronos({"parents": 3}).get_parents()


def test_stopped_job_is_disabled():
    assert chronos(branch={"desired_state": "stop"}).is_disabled() is True
    assert chronos(branch={"desired_state": "start"}).is_disabled() is False


def test_shell_false_with_args():
    assert chronos({"args": ["a"]}).get_shell() is False
    assert chronos({"cmd": "echo"}).get_shell() is True


def test_adhoc_interactive_defaults():
    job = adhoc("interactive")
    assert (job.get_cpus(), job.get_mem(), job.get_disk()) == (4, 10240, 1024)


def test_adhoc_interactive_config_wins():
    job = adhoc("interactive", {"cpus": 1, "mem": 512})
    assert (job.get_cpus(), job.get_mem(), job.get_disk()) == (1, 512, 1024)


def test_adhoc_other_instances_use_usual_defaults():
    job = adhoc("batch")
    assert (job.get_cpus(), job.get_mem(), job.get_disk()) == (0.25, 1024, 1024)
    assert job.instance_type == "adhoc"
