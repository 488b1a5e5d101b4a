"""``paasta status`` and ``paasta metastatus`` as data: models built from API JSON, and their renderers.

Pure: the CLI fetches from Marathon, Mesos and HAProxy and passes the documents in.  One module
per instance type (``marathon``; ``chronos`` to come) builds and renders that type's status;
``report`` assembles clusters and dispatches on ``instance_type``.
"""
