"""``paasta fsm``: a new service's soa-configs rendered from a template (pure; see ``render``)."""
