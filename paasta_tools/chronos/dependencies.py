"""Ordering Chronos jobs by their ``parents``: a parent always comes before its children."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping


def parents_first(parents_by_name: Mapping[str, Iterable[str]]) -> tuple[list[str], set[str]]:
    """``(order, stuck)``: the names with every parent before its children (ties by name), and the names in or
    behind a parent cycle.  Only parents that are themselves keys of ``parents_by_name`` count.
    """
    waiting = {name: {p for p in parents if p in parents_by_name} for name, parents in parents_by_name.items()}
    children: dict[str, list[str]] = {name: [] for name in waiting}
    for name, parents in waiting.items():
        for parent in parents:
            children[parent].append(name)
    ready = [name for name, parents in waiting.items() if not parents]
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for child in children[name]:
            waiting[child].discard(name)
            if not waiting[child]:
                heapq.heappush(ready, child)
    return order, set(waiting) - set(order)
