"""The wait_for poller used across the integration and acceptance tests."""

from __future__ import annotations

import itertools

import pytest

from tests.support.waiting import WaitTimeout, wait_for


def test_returns_the_first_truthy_value() -> None:
    counter = itertools.count()
    assert wait_for(lambda: next(counter) >= 3 and "done", timeout=1, interval=0) == "done"


def test_exceptions_count_as_not_yet_and_are_chained_on_timeout() -> None:
    def failing() -> bool:
        raise ConnectionError("refused")

    with pytest.raises(WaitTimeout, match="failing not true after 0.05s") as info:
        wait_for(failing, timeout=0.05, interval=0.01)
    assert isinstance(info.value.__cause__, ConnectionError)
