"""The devcluster's Chronos 2.x: REST API (``api``), job documents (``jobs``), schedule arithmetic
(``schedules``), the scheduler and task queue (``scheduler``), tasks as executor TaskSpecs (``tasks``),
durable state (``state``) and read-only answers such as the graph CSV (``views``).

Speed knobs (``DevclusterSettings``): ``reconcile_interval`` (how often the scheduler runs a round),
``chronos_failure_retry`` (Chronos ``--failure_retry``, seconds) and ``chronos_schedule_horizon``
(``--schedule_horizon``, seconds).  Everything else follows Chronos 2.5 with its default flags.
"""
