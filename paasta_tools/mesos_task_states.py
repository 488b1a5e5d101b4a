"""Mesos task states as paasta reads them from a master's or agent's state."""

from __future__ import annotations

# States after which a task never runs again (Mesos 1.x, partition-aware states included).
TERMINAL_STATES = frozenset(
    {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE"}
)
