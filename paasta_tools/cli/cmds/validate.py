"""``paasta validate``: check a service's soa-configs against the schemas and chronos rules."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from paasta_tools.config.validation import FileReport, JobReport, ServiceReport

EXIT_OK = 0
EXIT_INVALID = 1

SCHEMA_DOCS = "http://paasta.readthedocs.io/en/latest/yelpsoa_configs.html"


class Marks:
    """✓/✗ marks and colours, coloured only when the output is a terminal."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def _paint(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def green(self, text: str) -> str:
        return self._paint("32", text)

    def red(self, text: str) -> str:
        return self._paint("31", text)

    def blue(self, text: str) -> str:
        return self._paint("34", text)

    def success(self, message: str) -> str:
        return f"{self.green(chr(0x2713))} {message}"

    def failure(self, message: str, link: str | None = None) -> str:
        tail = f" {self.blue(link)}" if link else ""
        return f"{self.red(chr(0x2717))} {message}{tail}"


def marks_for(stream: TextIO) -> Marks:
    """Marks that colour only when ``stream`` is a TTY."""
    isatty = getattr(stream, "isatty", None)
    return Marks(bool(isatty and isatty()))


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="Validate that service files have correct syntax",
        description=(
            "'paasta validate' checks the marathon-*.yaml, chronos-*.yaml and adhoc-*.yaml files of a "
            "service against their schemas, then checks each chronos job's schedule, command and parents. "
            "Run it with -s SERVICE, or from inside the service's soa-configs directory."
        ),
    )
    parser.add_argument("-s", "--service", help="Service to validate (default: the name of the current directory)")
    parser.add_argument(
        "-y",
        "--yelpsoa-config-root",
        dest="yelpsoa_config_root",
        default=None,
        help="Path to the soa-configs root (default: the current directory with -s, else its parent)",
    )
    parser.set_defaults(command_func=paasta_validate)


def resolve_service(service: str | None, soa_dir: str | None, cwd: str) -> tuple[str, str]:
    """``(soa_dir, service)`` from the flags: ``-s`` within ``-y`` (default cwd), else cwd is the service dir."""
    from paasta_tools.errors import UnknownServiceError

    if service:
        return soa_dir or cwd, service
    if soa_dir is not None and os.path.abspath(soa_dir) != os.path.abspath(cwd):
        raise UnknownServiceError(
            f"paasta validate: -y {soa_dir} needs -s SERVICE, or run it from inside the service's directory"
        )
    path = Path(cwd)
    return str(path.parent), path.name


def paasta_validate(args: argparse.Namespace) -> int:
    soa_dir, service = resolve_service(args.service, args.yelpsoa_config_root, os.getcwd())
    return validate_and_print(soa_dir, service, sys.stdout)


def validate_and_print(soa_dir: str, service: str, out: TextIO, marks: Marks | None = None) -> int:
    """Validate ``service`` and print the report to ``out``; returns the exit code."""
    from paasta_tools.config.soa_dir import require_service_dir
    from paasta_tools.config.validation import validate_service

    marks = marks or marks_for(out)
    directory = require_service_dir(soa_dir, service)
    if not any(directory.glob("*.yaml")):
        out.write(marks.failure(f"{directory} does not contain any .yaml files") + "\n")
        return EXIT_INVALID
    report = validate_service(soa_dir, service)
    out.write("".join(line + "\n" for line in report_lines(report, marks)))
    return EXIT_OK if report.ok else EXIT_INVALID


def report_lines(report: ServiceReport, marks: Marks) -> list[str]:
    """The printed lines of a report: one block per file, then one line (or block) per chronos job."""
    lines: list[str] = []
    for file_report in report.files:
        lines.extend(_file_lines(file_report, marks))
    for job in report.jobs:
        lines.extend(_job_lines(job, marks))
    return lines


def _file_lines(report: FileReport, marks: Marks) -> list[str]:
    if report.ok:
        return [marks.success(f"Successfully validated schema: {report.path}")]
    if report.kind is None:
        header = marks.failure(f"Invalid file: {report.path}")
    else:
        header = marks.failure("Failed to validate schema. More info:", SCHEMA_DOCS) + f": {report.path}"
    return [header] + [f"  {issue}" for issue in report.issues]


def _job_lines(job: JobReport, marks: Marks) -> list[str]:
    if job.ok:
        return [marks.success(f"chronos-{job.cluster}.yaml has a valid instance: {job.instance}.")]
    header = marks.failure(f"chronos-{job.cluster}.yaml has an invalid instance: {job.instance}.")
    more = "  More info: " + marks.blue(f"{SCHEMA_DOCS}#chronos-clustername-yaml")
    return [header] + [f"  {problem}" for problem in job.problems] + [more]
