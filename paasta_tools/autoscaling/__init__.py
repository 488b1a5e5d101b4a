"""The service autoscaler's pure logic: parameters, metrics arithmetic, decision policies, forecasts.

Everything here takes data and returns data; ``paasta_tools.operations.service_autoscaler`` fetches
the tasks, statistics and ZooKeeper state and applies the decisions.
"""
