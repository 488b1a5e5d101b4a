"""paasta_tools: a platform-as-a-service built on Marathon, Chronos and Docker."""

__version__ = "0.65.0"
