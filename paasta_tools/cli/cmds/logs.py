"""``paasta logs``: a service's event log (build, deploy, monitoring, ...) and its tasks' stdout/stderr.

Modes, as upstream: the last 100 lines by default (``-l N`` for another count, ``-o`` to count from
a line number), a time range with ``-a/--from`` and ``-t/--to``, or ``-f`` to follow new lines until
Ctrl-C (exit 0).  Lines of every source are merged by timestamp; pretty lines are coloured only on a
terminal and ``-r`` prints the JSON lines as they are stored.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from paasta_tools.paths import DEFAULT_SOA_DIR

if TYPE_CHECKING:
    from paasta_tools.logs.filtering import LogFilter
    from paasta_tools.logs.model import LogLine

EXIT_OK = 0
EXIT_FAILURE = 1
FOLLOW_INTERVAL_S = 1.0
CYAN = "\033[36m"


def _epilog() -> str:
    from paasta_tools.logs.model import DEFAULT_COMPONENTS, LOG_COMPONENTS

    components = "\n".join(f"     {c.name}: {c.help}" for c in LOG_COMPONENTS.values())
    return (
        "TIME/LINE PARAMETERS\n"
        "The args for time and line based offsetting are mutually exclusive, they cannot be used together.\n\n"
        "COMPONENTS\n"
        f"If unset, the default components are:\n\t{','.join(DEFAULT_COMPONENTS)}\n"
        "So the default behavior of `paasta logs` will be to show the last 100 lines of those logs.\n\n"
        f"Here is a list of all components and what they are:\n{components}\n"
    )


def complete_components(prefix: str, **_: object) -> list[str]:
    """Log component names (for -C)."""
    from paasta_tools.logs.model import LOG_COMPONENTS

    return [name for name in LOG_COMPONENTS if name.startswith(prefix)]


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.cli.cmds.start_stop_restart import complete_clusters, complete_instances, complete_services

    parser = subparsers.add_parser(
        "logs",
        help="Streams logs relevant to a service across the PaaSTA components",
        description="'paasta logs' works by streaming PaaSTA-related event messages in a human-readable way.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(),
    )
    parser.add_argument(
        "-s", "--service", help="The name of the service you wish to inspect. Defaults to autodetect."
    ).completer = complete_services
    parser.add_argument(
        "-C", "--components", help="A comma separated list of the components you want logs for."
    ).completer = complete_components
    parser.add_argument(
        "-c", "--clusters",
        help="The clusters to see relevant logs for. Defaults to all clusters to which this service is deployed.",
    ).completer = complete_clusters  # fmt: skip
    parser.add_argument(
        "-i", "--instances", help="The instances to see relevant logs for. Defaults to all instances for this service."
    ).completer = complete_instances
    parser.add_argument(
        "-f", "-F", "--tail", dest="tail", action="store_true", default=False,
        help="Stream the logs and follow it for more data",
    )  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", default=False, help="Enable verbose logging")
    parser.add_argument(
        "-r", "--raw-mode", action="store_true", dest="raw_mode", default=False,
        help="Don't pretty-print logs; emit them exactly as they are stored.",
    )  # fmt: skip
    parser.add_argument(
        "-d", "--soa-dir", dest="soa_dir", metavar="SOA_DIR", default=DEFAULT_SOA_DIR,
        help="define a different soa config directory",
    )  # fmt: skip
    parser.add_argument(
        "-a", "--from", "--after", dest="time_from",
        help="The time to start getting logs from. This can be an ISO-8601 timestamp or a human readable duration "
        'such as "5m", "1d3h" etc. For example: --from "3m" would start retrieving logs from 3 minutes ago',
    )  # fmt: skip
    parser.add_argument(
        "-t", "--to", dest="time_to",
        help='The time to get logs up to. This can be an ISO-8601 timestamp or a human readable duration such as '
        '"5m", "1d3h" etc. Defaults to right now',
    )  # fmt: skip
    parser.add_argument(
        "-l", "-n", "--lines", dest="line_count", type=int,
        help='The number of lines to retrieve from the specified offset. May optionally be prefixed with a "+" or "-" '
        'to specify which direction from the offset, defaults to "-100"',
    )  # fmt: skip
    parser.add_argument(
        "-o", "--line-offset", dest="line_offset", type=int,
        help="The offset at which line to start grabbing logs from. For example 1 would be the first line. Paired "
        "with --lines +100 would give you the first 100 lines of logs. Defaults to the latest line's offset",
    )  # fmt: skip
    parser.set_defaults(command_func=paasta_logs)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def check_filtering_args(tail: bool, line_count: int | None, line_offset: int | None, time_from: str | None,
                         time_to: str | None) -> str | None:  # fmt: skip
    """Upstream's message for a combination of flags that cannot be used together, else None."""
    if tail and (line_count is not None or time_from is not None or time_to is not None or line_offset is not None):
        return "You cannot specify line/time based filtering parameters when tailing"
    if line_count is not None and (time_from is not None or time_to is not None):
        return "You cannot filter based on both line counts and time"
    if line_offset is not None and (time_from is not None or time_to is not None):
        return "You cannot filter based on both line offsets and time"
    return None


def _cyan(text: str, stream: TextIO) -> str:
    isatty = getattr(stream, "isatty", None)
    return f"{CYAN}{text}\033[0m" if isatty and isatty() else text


def paasta_logs(args: argparse.Namespace) -> int:
    """Entry point of ``paasta logs``."""
    from paasta_tools.cli.cmds.start_stop_restart import figure_out_service_name
    from paasta_tools.config.soa_dir import list_clusters
    from paasta_tools.logs.model import resolve_components

    service = figure_out_service_name(args.service, args.soa_dir)
    components = resolve_components(_split(args.components))
    problem = check_filtering_args(args.tail, args.line_count, args.line_offset, args.time_from, args.time_to)
    if problem:
        sys.stderr.write(problem + "\n")
        return EXIT_FAILURE
    clusters = _split(args.clusters) or list_clusters(args.soa_dir, service)
    return show_logs(
        service, components, clusters, _split(args.instances) or None, args.raw_mode, args.tail,
        args.line_count, args.line_offset, args.time_from, args.time_to, verbose=args.verbose,
    )  # fmt: skip


def show_logs(
    service: str,
    components: frozenset[str],
    clusters: Sequence[str],
    instances: Sequence[str] | None,
    raw: bool = False,
    tail: bool = False,
    line_count: int | None = None,
    line_offset: int | None = None,
    time_from: str | None = None,
    time_to: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    system_config: Any = None,
    verbose: bool = False,
) -> int:
    """Print the selected lines of ``service``; returns the exit code (errors raise PaastaError)."""
    import datetime

    from paasta_tools.clients.log_reader import build_readers
    from paasta_tools.logs.filtering import LogFilter, time_range
    from paasta_tools.system_config import load_system_paasta_config

    out, err = out or sys.stdout, err or sys.stderr
    system_config = system_config or load_system_paasta_config()
    start = end = None
    if time_from is not None or time_to is not None:
        start, end = time_range(time_from, time_to, datetime.datetime.now(datetime.UTC))
    log_filter = LogFilter(service, components, frozenset(clusters), _frozen(instances), start=start, end=end)
    readers, warnings = build_readers(system_config, service, components, clusters)
    _warn(warnings, err)
    if verbose:
        err.write(f"Components {','.join(sorted(components))} of {service} on clusters {','.join(clusters)}\n")
        err.write("".join(f"Reading {reader.describe()}\n" for reader in readers))
    printer = _printer(log_filter, raw, out)
    if tail:
        err.write(_cyan("Tailing logs and applying filters...", err) + "\n")
        follow(readers, log_filter, printer, err)
        return EXIT_OK
    if start is not None:
        err.write(_cyan("Fetching a specific time period and applying filters...", err) + "\n")
    elif line_count is None:
        err.write(_cyan("Fetching 100 lines and applying filters. Try -n 1000 for more lines...", err) + "\n")
    for line in select_lines(readers, log_filter, line_count, line_offset, start is not None, err):
        printer(line)
    return EXIT_OK


def _frozen(values: Sequence[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _warn(warnings: Sequence[str], err: TextIO) -> None:
    err.write("".join(f"Warning: {w}\n" for w in warnings))


def _printer(log_filter: LogFilter, raw: bool, out: TextIO) -> Callable[[LogLine], None]:
    from paasta_tools.logs.pretty import format_line

    isatty = getattr(out, "isatty", None)
    color = bool(isatty and isatty())

    def emit(line: LogLine) -> None:
        out.write(format_line(line, log_filter.levels, color=color, raw=raw) + "\n")
        out.flush()

    return emit


def select_lines(
    readers: Sequence[Any],
    log_filter: LogFilter,
    line_count: int | None,
    line_offset: int | None,
    by_time: bool,
    err: TextIO,
) -> list[LogLine]:
    """Every reader's lines merged by time, then the time range, offset or last-N slice."""
    from paasta_tools.clients.log_reader import read_new
    from paasta_tools.logs.select import DEFAULT_LINE_COUNT, last_lines, lines_by_offset, merge_by_time

    sources, warnings = read_new(readers, log_filter)
    _warn(warnings, err)
    merged = merge_by_time(sources)
    if by_time:
        return merged
    count = DEFAULT_LINE_COUNT if line_count is None else line_count
    if line_offset is not None:
        return lines_by_offset(merged, count, line_offset)
    return last_lines(merged, count)


def follow(
    readers: Sequence[Any],
    log_filter: LogFilter,
    emit: Callable[[LogLine], None],
    err: TextIO,
    interval: float = FOLLOW_INTERVAL_S,
    should_stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Print lines appended after the start until ``should_stop()`` or Ctrl-C (which ends quietly)."""
    from paasta_tools.clients.log_reader import read_new
    from paasta_tools.logs.select import merge_by_time

    shown: set[str] = set()

    def warn_once(warnings: Sequence[str]) -> None:
        _warn([w for w in warnings if w not in shown], err)
        shown.update(warnings)

    try:
        _, warnings = read_new(readers, log_filter)  # what is there already is not shown
        warn_once(warnings)
        while not should_stop():
            sleep(interval)
            sources, warnings = read_new(readers, log_filter)
            warn_once(warnings)
            for line in merge_by_time(sources):
                emit(line)
    except KeyboardInterrupt:
        return
