"""Task executors: how the devcluster turns a task into something running.

``base`` defines the contract (TaskSpec in, TaskStatus out); ``noop`` runs nothing (fast, for
benchmarks and API contract tests), ``process`` runs local processes, ``docker`` real containers.
"""
