"""Polling helpers: wait for a condition instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """The condition did not become true in time (an assertion failure in tests)."""


def wait_for(condition: Callable[[], T], timeout: float = 10.0, interval: float = 0.05, what: str = "") -> T:
    """Call ``condition`` until it returns a truthy value and return that value.

    Exceptions raised by ``condition`` count as "not yet"; the last one is chained to the timeout.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = condition()
        except Exception as exc:  # e.g. connection refused while a server starts
            last_error, value = exc, None
        if value:
            return value
        if time.monotonic() >= deadline:
            label = what or getattr(condition, "__name__", "condition")
            raise WaitTimeout(f"{label} not true after {timeout:g}s (last error: {last_error!r})") from last_error
        time.sleep(interval)


async def async_wait_for(
    condition: Callable[[], Awaitable[T]], timeout: float = 10.0, interval: float = 0.05, what: str = ""
) -> T:
    """``wait_for`` for coroutine conditions, inside an event loop."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            label = what or getattr(condition, "__name__", "condition")
            raise WaitTimeout(f"{label} not true after {timeout:g}s (last value: {value!r})")
        await asyncio.sleep(interval)
