"""devcluster: an embedded single-machine cluster serving the Marathon, Chronos and Mesos REST APIs.

It follows the real APIs (Marathon 1.4, Chronos 2.x, Mesos 1.x master state) so the same paasta code
works against it and against a real cluster.  Tasks are real Docker containers or local processes.
"""
