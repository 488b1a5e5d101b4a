"""Clamping and validating the autoscaler's desired_instances."""

from __future__ import annotations

import pytest

from paasta_tools.api.autoscaler import clamp_desired_instances, desired_instances_of
from paasta_tools.errors import PaastaApiError


@pytest.mark.parametrize(
    ("desired", "expected"),
    [
        (3, (3, "SUCCESS")),
        (2, (2, "SUCCESS")),
        (5, (5, "SUCCESS")),
        (6, (5, "WARNING desired_instances is greater than max_instances 5")),
        (1, (2, "WARNING desired_instances is less than min_instances 2")),
    ],
)
def test_clamp(desired: int, expected: tuple[int, str]) -> None:
    assert clamp_desired_instances(desired, 2, 5) == expected


def test_desired_instances_of_a_body() -> None:
    assert desired_instances_of({"desired_instances": 4}) == 4
    for body in ({"desired_instances": "4"}, {"desired_instances": True}, {}, [4], None):
        with pytest.raises(PaastaApiError, match="integer desired_instances") as caught:
            desired_instances_of(body)
        assert caught.value.status == 400
