"""The devcluster's Marathon 1.4 emulation: the v2 REST API (``api.setup_marathon``) and its engine.

Layout: ``model``/``typecheck``/``ids`` (app definitions, validation, ids), ``state`` (records persisted
in the cluster store), ``operations`` (deployment plans for API mutations), ``planning`` (pure
launch/kill decisions), ``engine`` and ``health_checks`` (the reconcile loop), ``launch`` (TaskSpecs),
``views`` (response JSON), ``api``/``api_apps``/``api_groups``/``http`` (aiohttp handlers), ``events``
(SSE), ``framework`` (the Mesos master's view of Marathon's tasks).
"""
