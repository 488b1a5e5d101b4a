"""SmartStack on the devcluster: a synapse stand-in driving a real HAProxy, and a hacheck emulator.

``topology`` decides, from the soa-configs and the running Marathon tasks, which frontends and
backends HAProxy has; ``haproxy_config`` renders them as synapse would; ``haproxy_process`` runs and
gracefully reloads HAProxy; ``hacheck`` serves hacheck's spool and check API; ``synapse`` ties them
together as one side component of ``paasta-devcluster up --soa-dir``.
"""
