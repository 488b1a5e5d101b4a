# Bash completion for the paasta command: subcommands, flags, and the values argcomplete knows
# (services, instances, clusters, deploy groups, shas).  Source it from ~/.bashrc, or install it as
# /etc/bash_completion.d/paasta; it needs argcomplete's register-python-argcomplete on PATH.
if command -v register-python-argcomplete >/dev/null 2>&1; then
    eval "$(register-python-argcomplete paasta)"
fi
