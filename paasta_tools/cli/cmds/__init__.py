"""One module per ``paasta`` subcommand; each exports ``add_subparser`` and ``paasta_<name>``."""
