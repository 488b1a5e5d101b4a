"""Chronos job names, temporary rerun names and the parents spelling."""

from __future__ import annotations

import datetime

import pytest

from paasta_tools.chronos.job_name import (
    JobName,
    chronos_to_paasta_job_name,
    compose_job_id,
    compose_tmp_job_id,
    decompose_job_id,
    is_temporary_job_name,
    paasta_to_chronos_job_name,
    tmp_prefix_at,
)
from paasta_tools.errors import InvalidJobNameError


def test_compose_and_decompose() -> None:
    assert compose_job_id("svc", "job") == "svc job"
    assert decompose_job_id("svc job") == JobName("svc", "job")
    assert str(JobName("svc", "job")) == "svc job"


def test_tmp_prefix_drops_colons_and_dots() -> None:
    now = datetime.datetime(2017, 4, 20, 15, 30, 12, 123456)
    assert tmp_prefix_at(now) == "tmp-2017-04-20T153012123456"
    assert tmp_prefix_at(now.replace(tzinfo=datetime.UTC)) == "tmp-2017-04-20T153012123456"
    assert tmp_prefix_at(now.replace(microsecond=0)) == "tmp-2017-04-20T153012"


def test_temporary_names() -> None:
    name = compose_tmp_job_id("tmp-2017-04-20T153012123456", "svc job")
    assert name == "tmp-2017-04-20T153012123456 svc job"
    parsed = decompose_job_id(name)
    assert parsed == JobName("svc", "job", "tmp-2017-04-20T153012123456")
    assert parsed.is_temporary and str(parsed) == name
    assert is_temporary_job_name(name)
    assert not is_temporary_job_name("svc job")
    assert not is_temporary_job_name("garbage")


@pytest.mark.parametrize("bad", ["svc", "svc.job", "a b c", "svc  job", "", " job", "x-tmp svc job", "tmp a b c"])
def test_invalid_names(bad: str) -> None:
    with pytest.raises(InvalidJobNameError, match="expected '<service> <instance>'"):
        decompose_job_id(bad)


def test_parent_spelling() -> None:
    assert paasta_to_chronos_job_name("other.load") == "other load"
    assert chronos_to_paasta_job_name("other load") == "other.load"
    assert chronos_to_paasta_job_name("tmp-1 other load") == "other.load"


def test_jobs_of_instance_keeps_its_own_and_temporary_copies_in_order() -> None:
    from paasta_tools.chronos.job_name import jobs_of_instance

    jobs = [
        {"name": "svc main"},
        {"name": "svc other"},
        {"name": "tmp-2017-04-21T115900000000 svc main"},
        {"name": "not a chronos name at all"},
        {},
        {"name": "svcmain"},
    ]
    assert jobs_of_instance(jobs, "svc", "main") == [jobs[0], jobs[2]]
