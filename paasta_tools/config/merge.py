"""Deep merging of configuration dictionaries."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def deep_merge(overrides: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Return a new dict: ``defaults`` with ``overrides`` merged in, recursing into nested dicts.

    Non-dict values (lists included) in ``overrides`` replace those in ``defaults``.
    Neither argument is modified.
    """
    result = copy.deepcopy(dict(defaults))
    stack: list[tuple[Mapping[str, Any], dict[str, Any]]] = [(overrides, result)]
    while stack:
        source, target = stack.pop()
        for key, value in source.items():
            current = target.get(key)
            if isinstance(value, Mapping) and isinstance(current, dict):
                stack.append((value, current))
            elif isinstance(value, Mapping):
                target[key] = {}
                stack.append((value, target[key]))
            else:
                target[key] = copy.deepcopy(value)
    return result
