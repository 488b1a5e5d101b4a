"""Thin executors: fetch state through paasta_tools.clients, call the pure planners, apply their actions."""
