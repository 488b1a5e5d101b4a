"""Planning a ``paasta local-run``: the container's environment, its docker options and its health check.

Everything in this package is pure: callers pass in the instance config, the chosen port, the host
name and the time, and get data back.  The docker engine is driven by ``clients/docker_runner.py``.
"""
