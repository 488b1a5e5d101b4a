"""paasta-api: the HTTP API of one cluster (``paasta_tools.api.api:main``)."""
