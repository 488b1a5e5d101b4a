"""Pure logic of ``paasta logs``: parse §7.6 JSON log lines, filter, merge by time and format them."""
