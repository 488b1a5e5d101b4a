"""Ages of Marathon deployments against the allowed age."""

from __future__ import annotations

import datetime

from paasta_tools.marathon.old_deployments import deployment_ages

NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def test_older_than_the_age_is_too_old_and_ages_read_as_clock_times() -> None:
    deployments = [
        {"id": "old", "version": "2026-11-27T10:29:59.500Z", "affectedApps": ["/a", "/b"]},
        {"id": "young", "version": "2026-11-27T11:30:00.000Z", "affectedApps": ["/c"]},
        {"id": "days", "version": "2026-11-25T12:00:00+00:00", "affectedApps": []},
        {"id": "garbage", "version": "yesterday"},
        {"id": "naive", "version": "2026-11-27T11:00:00"},
    ]
    ages = {a.deployment_id: a for a in deployment_ages(deployments, HOUR, NOW)}
    assert sorted(ages) == ["days", "naive", "old", "young"]
    assert (ages["old"].app_id, ages["old"].too_old, ages["old"].age_text) == ("/a", True, "1:30:00")
    assert (ages["young"].too_old, ages["young"].age_text) == (False, "0:30:00")
    assert (ages["days"].app_id, ages["days"].age_text) == ("", "2 days, 0:00:00")
    assert ages["naive"].too_old is False  # exactly the age is not older than it
