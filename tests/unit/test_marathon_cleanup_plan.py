"""cleanup_marathon_jobs planning: which running apps are stale, and the kill threshold (§4.9)."""

from __future__ import annotations

from paasta_tools.marathon.job_id import JobId
from paasta_tools.operations.marathon_cleanup import plan_app_cleanup, threshold_message

VALID = [("my_svc", "main"), ("other", "canary")]


def test_apps_of_removed_instances_are_killed_and_odd_ids_skipped() -> None:
    plan = plan_app_cleanup(
        ["/my--svc.main.gita.configb", "/my--svc.gone.gita.configb", "/other.canary", "/not-paasta"], VALID
    )
    assert plan.to_kill == (JobId("my_svc", "gone", "gita", "configb"),)
    assert plan.skipped_ids == ("/not-paasta",)
    assert len(plan.running) == 3


def test_kill_threshold_is_a_strict_fraction_of_running_apps() -> None:
    plan = plan_app_cleanup(["/my--svc.main.gita.configb", "/my--svc.gone.gita.configb"], VALID)
    assert not plan.above_threshold(0.5)  # 1/2 is not above 0.5
    assert plan.above_threshold(0.4)
    assert not plan_app_cleanup([], VALID).above_threshold(0.0)
    assert "about to kill more than 0.4 of the running services" in threshold_message(0.4)


def test_apps_of_an_unreadable_service_are_kept() -> None:
    plan = plan_app_cleanup(["/broken.main.gita.configb"], VALID, unreadable_services=["broken"])
    assert plan.to_kill == ()
