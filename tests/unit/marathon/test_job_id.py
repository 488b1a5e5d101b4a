"""App ids: formatting, deformatting, matching apps, code sha."""

from __future__ import annotations

import pytest

from paasta_tools.errors import InvalidJobNameError
from paasta_tools.marathon import job_id


def test_format_full_id_escapes_underscores_in_every_part() -> None:
    assert (
        job_id.format_job_id("my_service", "canary_1", "gitdeadbeef", "config_12345678")
        == "my--service.canary--1.gitdeadbeef.config--12345678"
    )


def test_format_short_id() -> None:
    assert job_id.format_job_id("svc", "main") == "svc.main"


@pytest.mark.parametrize(("git", "config"), [("gitabc", None), (None, "configabc")])
def test_git_and_config_hash_come_together(git: str | None, config: str | None) -> None:
    with pytest.raises(InvalidJobNameError, match="both be defined"):
        job_id.format_job_id("svc", "main", git, config)


def test_deformat_reverses_format_and_drops_leading_slash() -> None:
    formatted = job_id.format_job_id("my_service", "main_x", "git1234abcd", "config99887766")
    assert job_id.deformat_job_id("/" + formatted) == ("my_service", "main_x", "git1234abcd", "config99887766")
    parsed = job_id.deformat_job_id("svc.main")
    assert parsed.service == "svc" and parsed.instance == "main"
    assert parsed.git_hash is None and parsed.config_hash is None


@pytest.mark.parametrize("bad", ["svc", "svc.main.git", "a.b.c.d.e", ""])
def test_deformat_rejects_other_part_counts(bad: str) -> None:
    with pytest.raises(InvalidJobNameError, match="invalid job id"):
        job_id.deformat_job_id(bad)


def test_matching_apps_prefix() -> None:
    assert job_id.app_id_prefix("my_svc", "main") == "/my--svc.main."
    assert job_id.is_app_of_instance("/my--svc.main.gitaaaa.configbbbb", "my_svc", "main")
    assert job_id.is_app_of_instance("my--svc.main.gitaaaa.configbbbb", "my_svc", "main")
    assert not job_id.is_app_of_instance("/my--svc.main2.gitaaaa.configbbbb", "my_svc", "main")
    assert not job_id.is_app_of_instance("/my--svc.mainx", "my_svc", "main")


def test_code_sha_is_first_8_chars_after_last_dash() -> None:
    url = "registry.example:5000/services-my-svc:paasta-0123456789abcdef0123456789abcdef01234567"
    assert job_id.code_sha_from_docker_url(url) == "git01234567"
