"""Metrics providers' arithmetic: mesos_cpu from two samples, http and uwsgi from task answers."""

from __future__ import annotations

import pytest

from paasta_tools.autoscaling.metrics import (
    HttpAnswer,
    cpu_sample,
    cpu_utilization,
    format_cpu_data,
    http_utilization,
    mean_http_utilization,
    normalized_cpu_seconds,
    parse_cpu_data,
    uwsgi_utilization,
)
from paasta_tools.errors import MetricsProviderNoDataError


def _stats(user, system, limit):
    return {"cpus_user_time_secs": user, "cpus_system_time_secs": system, "cpus_limit": limit, "timestamp": 1.0}


def test_cpu_seconds_are_normalized_by_the_limit_less_the_executor_share():
    assert normalized_cpu_seconds(_stats(3.0, 1.0, 0.5)) == pytest.approx(10.0)  # 4 / (0.5 - 0.1)
    assert normalized_cpu_seconds(_stats(3.0, 1.0, 0.1)) is None  # no cpu left for the task
    assert normalized_cpu_seconds({"cpus_limit": 1.0}) is None


def test_a_sample_keeps_the_usable_tasks_and_needs_one():
    sample = cpu_sample({"a": _stats(3.0, 1.0, 0.5), "b": {"timestamp": 1.0}})
    assert sample == {"a": pytest.approx(10.0)}
    with pytest.raises(MetricsProviderNoDataError, match="Couldn't get any cpu data from Mesos"):
        cpu_sample({"b": {}})


def test_cpu_data_node_text_round_trips():
    text = format_cpu_data({"svc.main.1": 10.0, "svc.main.2": 3.5})
    assert text == "10.0:svc.main.1,3.5:svc.main.2"
    assert parse_cpu_data(text + ",garbage,x:") == {"svc.main.1": 10.0, "svc.main.2": 3.5}


def test_utilization_is_the_mean_rate_over_tasks_in_both_samples():
    # task a: (16 - 10) / 10 s = 0.6; task b was not sampled before; task c is gone
    utilization = cpu_utilization({"a": 10.0, "c": 1.0}, 100.0, {"a": 16.0, "b": 3.0}, 110.0)
    assert utilization == pytest.approx(0.6)
    two = cpu_utilization({"a": 10.0, "b": 0.0}, 100.0, {"a": 16.0, "b": 2.0}, 110.0)
    assert two == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("previous", "previous_time", "now"), [({}, None, 10.0), ({"x": 1.0}, 5.0, 10.0), ({"a": 1.0}, 10.0, 10.0)]
)
def test_no_earlier_sample_is_no_data(previous, previous_time, now):
    with pytest.raises(MetricsProviderNoDataError, match="expected for its first run"):
        cpu_utilization(previous, previous_time, {"a": 2.0}, now)


def test_http_mean_counts_timeouts_as_full_and_skips_failures():
    answers = [{"utilization": 0.5}, HttpAnswer.TIMEOUT, HttpAnswer.FAILED, {"other": 1}]
    assert mean_http_utilization(answers, http_utilization, "status", "svc.main") == pytest.approx(0.75)
    no_data = "Couldn't get any data from http endpoint status for svc.main"
    with pytest.raises(MetricsProviderNoDataError, match=no_data):
        mean_http_utilization([HttpAnswer.FAILED], http_utilization, "status", "svc.main")


def test_uwsgi_utilization_is_the_share_of_busy_workers():
    body = {"workers": [{"status": "idle"}, {"status": "busy"}, {"status": "cheap"}, {"status": "idle"}]}
    assert uwsgi_utilization(body) == 0.5
    assert mean_http_utilization([body, {"workers": []}], uwsgi_utilization, "status/uwsgi", "s.i") == 0.5
