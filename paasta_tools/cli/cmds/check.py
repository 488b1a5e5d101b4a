"""``paasta check``: is the service in the current directory ready for PaaSTA?

Prints one ✓/✗ line (or block) per contract item of the PaaSTA contract, then the
``paasta validate`` report.  It advises and never fails: the exit code is 0 unless the
service itself cannot be found.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from paasta_tools.cli.cmds.validate import Marks, marks_for

EXIT_OK = 0
EXIT_NO_SERVICE = 1
GIT_TIMEOUT_S = 10.0

CONTRACT_DOCS = "http://paasta.readthedocs.io/en/latest/about/contract.html"
SOA_DOCS = "http://y/yelpsoa-configs"


@dataclass(frozen=True)
class CheckTools:
    """The process-running collaborators of the checks, passed in so tests can use real ones on temp dirs."""

    makefile_responds_to: Callable[[str, str], bool]
    git_error: Callable[[str], str | None]


def default_tools() -> CheckTools:
    """Tools backed by the make and git adapters."""
    from paasta_tools.clients.make import makefile_responds_to

    return CheckTools(makefile_responds_to=makefile_responds_to, git_error=_git_error)


def _git_error(git_url: str) -> str | None:
    from paasta_tools.clients.git import list_remote_refs
    from paasta_tools.errors import GitError

    try:
        list_remote_refs(git_url, timeout=GIT_TIMEOUT_S)
    except GitError as exc:
        return str(exc)
    return None


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    from paasta_tools.paths import DEFAULT_SOA_DIR

    parser = subparsers.add_parser(
        "check",
        help="Determine whether service in pwd is 'paasta ready'",
        description=(
            "'paasta check' checks that the service in the current directory follows the PaaSTA contract: "
            "its soa-configs (deploy.yaml, monitoring.yaml, smartstack.yaml, instance files), its git repo, "
            "Dockerfile and Makefile. Run it from the root of the service's git repository."
        ),
    )
    parser.add_argument("-s", "--service", help="The name of the service (default: the current directory's name)")
    parser.add_argument(
        "-y",
        "--yelpsoa-config-root",
        dest="yelpsoa_config_root",
        default=DEFAULT_SOA_DIR,
        help=f"Path to the soa-configs root (default: {DEFAULT_SOA_DIR})",
    )
    parser.set_defaults(command_func=paasta_check)


def paasta_check(args: argparse.Namespace) -> int:
    cwd = os.getcwd()
    service = args.service or os.path.basename(cwd)
    return run_check(service, args.yelpsoa_config_root, cwd, default_tools(), sys.stdout)


def run_check(service: str, soa_dir: str, cwd: str, tools: CheckTools, out: TextIO, marks: Marks | None = None) -> int:
    """Run every check for ``service`` and print the results; returns the exit code."""
    from paasta_tools.cli.cmds.validate import validate_and_print
    from paasta_tools.config.soa_dir import require_service_dir
    from paasta_tools.errors import UnknownServiceError

    marks = marks or marks_for(out)
    try:
        service_path = require_service_dir(soa_dir, service)
    except UnknownServiceError as exc:
        _write(out, [marks.failure(f"Failed to locate yelpsoa-config directory for {service} in {soa_dir}: {exc}")])
        return EXIT_NO_SERVICE
    _write(out, [marks.success(f"yelpsoa-config directory for {service} found in {soa_dir}")])
    checks: list[Callable[[], list[str]]] = [
        lambda: deploy_yaml_lines(service_path, marks),
        lambda: git_repo_lines(service, service_path, tools, marks),
        lambda: dockerfile_lines(cwd, marks),
        lambda: makefile_lines(cwd, tools, marks),
        lambda: instance_yaml_lines(service_path, marks),
        lambda: deploy_group_lines(soa_dir, service, marks),
        lambda: sensu_lines(soa_dir, service, service_path, marks),
        lambda: smartstack_lines(service_path, marks),
    ]
    for check in checks:
        _write(out, _guarded(check, marks))
    validate_and_print(soa_dir, service, out, marks)
    return EXIT_OK


def _write(out: TextIO, lines: list[str]) -> None:
    out.write("".join(line + "\n" for line in lines))
    out.flush()


def _guarded(check: Callable[[], list[str]], marks: Marks) -> list[str]:
    """Run one check; a broken file turns into a ✗ line instead of stopping the others."""
    from paasta_tools.errors import PaastaError

    try:
        return check()
    except PaastaError as exc:
        return [marks.failure(str(exc))]


def _read(path: Path) -> Any:
    from paasta_tools.config.yaml_files import read_yaml_file

    return read_yaml_file(path)


def deploy_yaml_lines(service_path: Path, marks: Marks) -> list[str]:
    """deploy.yaml exists, and its pipeline has security-check and performance-check steps."""
    from paasta_tools.config.deploy_yaml import get_pipeline

    path = service_path / "deploy.yaml"
    if not path.is_file():
        return [
            marks.failure(
                "No deploy.yaml exists, so your service cannot be deployed.\n"
                "  Please push a deploy.yaml file to your soa-configs repo.\n  More info:",
                SOA_DOCS,
            )
        ]
    lines = [marks.success("deploy.yaml exists for a Jenkins pipeline")]
    steps = [s.step for s in get_pipeline(_read(path), str(path))]
    for step, after in (("security-check", "itest"), ("performance-check", "security-check")):
        if step in steps:
            lines.append(marks.success(f"Found a {step} entry in your deploy pipeline"))
        else:
            lines.append(
                marks.failure(
                    f"No '{step}' entry was found in your deploy.yaml.\n"
                    f"  Please add a {step} entry *AFTER* the {after} entry in deploy.yaml."
                )
            )
    return lines


def git_repo_lines(service: str, service_path: Path, tools: CheckTools, marks: Marks) -> list[str]:
    """The service's git_url answers ``git ls-remote``."""
    from paasta_tools.config.soa_dir import ServiceFiles

    files = ServiceFiles(
        service=service, soa_dir=str(service_path.parent), service_yaml=_read(service_path / "service.yaml")
    )
    git_url = files.get_git_url()
    error = tools.git_error(git_url)
    if error is None:
        return [marks.success("Git repo found in the expected location.")]
    detail = "".join(f"\n  {line}" for line in error.splitlines() if line.strip())
    return [marks.failure(f"Could not find Git repo {git_url}. Your service must be there.{detail}")]


def dockerfile_lines(cwd: str, marks: Marks) -> list[str]:
    """A Dockerfile is in the current directory."""
    if (Path(cwd) / "Dockerfile").is_file():
        return [marks.success("Found Dockerfile")]
    return [marks.failure("Dockerfile not found. Create a Dockerfile and try again.\n  More info:", CONTRACT_DOCS)]


_MAKE_TARGETS = (
    ("cook-image", "local-run needs this and expects it to build your docker image."),
    ("itest", "Jenkins needs this and expects it to build and itest your docker image."),
    ("test", "Jenkins needs this and expects it to run unit tests."),
)


def makefile_lines(cwd: str, tools: CheckTools, marks: Marks) -> list[str]:
    """A Makefile with a tab, a ``DOCKER_TAG ?=`` default and the cook-image, itest and test targets."""
    from paasta_tools.config.validation_contract import makefile_has_a_tab, makefile_has_docker_tag

    path = Path(cwd) / "Makefile"
    if not path.is_file():
        return [
            marks.failure(
                "No Makefile available. Please make a Makefile that responds\n  to the proper targets. More info:",
                CONTRACT_DOCS,
            )
        ]
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = [marks.success("A Makefile is present")]
    if makefile_has_a_tab(text):
        lines.append(marks.success("The Makefile contains a tab character"))
    else:
        lines.append(
            marks.failure(
                "The Makefile contains no tab characters. Make sure you\n  didn't accidentally paste spaces "
                "(which `make` does not respect)\n  instead of a tab.",
                CONTRACT_DOCS,
            )
        )
    if makefile_has_docker_tag(text):
        lines.append(marks.success("The Makefile contains a docker tag"))
    else:
        lines.append(
            marks.failure(
                "The Makefile contains no reference to DOCKER_TAG. Make sure you\n  specify a DOCKER_TAG "
                "(e.g. 'DOCKER_TAG ?= <service>-dev-$(USER)') and that your itest tags your docker image "
                "with $DOCKER_TAG.",
                CONTRACT_DOCS,
            )
        )
    for target, why in _MAKE_TARGETS:
        if tools.makefile_responds_to(target, cwd):
            lines.append(marks.success(f"The Makefile responds to `make {target}`"))
        else:
            lines.append(
                marks.failure(f"The Makefile does not have a `make {target}` target. {why} More info:", CONTRACT_DOCS)
            )
    return lines


def instance_yaml_lines(service_path: Path, marks: Marks) -> list[str]:
    """At least one marathon-*.yaml or chronos-*.yaml exists."""
    lines = []
    for kind in ("marathon", "chronos"):
        if any(service_path.glob(f"{kind}-*.yaml")):
            lines.append(marks.success(f"Found {kind}.yaml file."))
    if lines:
        return lines
    return [
        marks.failure(
            "No marathon.yaml or chronos.yaml exists, so your service cannot be deployed.\n"
            "  Push a marathon-[superregion].yaml or chronos-[superregion].yaml\n"
            "  and run `paasta generate-pipeline`.\n  More info:",
            SOA_DOCS,
        )
    ]


def deploy_group_lines(soa_dir: str, service: str, marks: Marks) -> list[str]:
    """deploy.yaml's deploy steps and the instances' deploy groups name the same groups."""
    from paasta_tools.config.deploy_yaml import get_pipeline_deploy_groups
    from paasta_tools.config.loader import instance_configs_from_files
    from paasta_tools.config.soa_dir import INSTANCE_TYPES, read_service_files
    from paasta_tools.config.validation_contract import compare_deploy_groups

    files = read_service_files(soa_dir, service)
    used: dict[str, list[str]] = {kind: [] for kind in INSTANCE_TYPES}
    for config in instance_configs_from_files(files):
        used[config.instance_type].append(config.get_deploy_group())
    pipeline = get_pipeline_deploy_groups(files.deploy, f"{soa_dir}/{service}/deploy.yaml")
    comparison = compare_deploy_groups(pipeline, used)
    lines: list[str] = []
    for kind, groups in comparison.not_in_pipeline.items():
        if groups:
            lines.append(marks.failure(f"There are some instance(s) you have asked to run in {kind} that"))
            lines.append("  do not have a corresponding entry in deploy.yaml:")
            lines.extend(f"  {group}{comparison.hints.get(group, '')}" for group in groups)
            lines.append("  You should probably configure these to use a 'deploy_group' or")
            lines.append("  add entries to deploy.yaml for them so they are deployed to those clusters.")
    if comparison.unused_steps:
        lines.append(marks.failure("There are some instance(s) in deploy.yaml that are not referenced"))
        lines.append("  by any marathon, chronos or adhoc instance:")
        lines.extend(f"  {group}{comparison.hints.get(group, '')}" for group in comparison.unused_steps)
        lines.append("  You should probably delete these deploy.yaml entries if they are unused.")
    if comparison.consistent:
        lines.append(marks.success("All entries in deploy.yaml correspond to a marathon, chronos or adhoc entry"))
        for kind, groups in comparison.used.items():
            if groups:
                lines.append(marks.success(f"All {kind} instances have a corresponding deploy.yaml entry"))
    return lines


def sensu_lines(soa_dir: str, service: str, service_path: Path, marks: Marks) -> list[str]:
    """monitoring.yaml exists and a team (who gets the alerts) is set."""
    from paasta_tools.config.monitoring import get_team
    from paasta_tools.config.soa_dir import ServiceFiles

    path = service_path / "monitoring.yaml"
    if not path.is_file():
        return [
            marks.failure(
                "Your service is not using Sensu (monitoring.yaml).\n"
                "  Please setup a monitoring.yaml so we know where to send alerts.\n  More info:",
                "http://y/monitoring-yaml",
            )
        ]
    files = ServiceFiles(
        service=service, soa_dir=soa_dir, service_yaml=_read(service_path / "service.yaml"), monitoring=_read(path)
    )
    lines = [marks.success("monitoring.yaml found for Sensu monitoring")]
    team = get_team(files)
    if team:
        lines.append(marks.success(f"Your service uses Sensu and {team} will get alerts."))
    else:
        lines.append(
            marks.failure(
                "Cannot get team name. Ensure 'team' field is set in monitoring.yaml.\n  More info:",
                "http://y/monitoring-yaml",
            )
        )
    return lines


def smartstack_lines(service_path: Path, marks: Marks) -> list[str]:
    """Each smartstack.yaml namespace has a proxy_port (nothing to say without smartstack.yaml)."""
    from paasta_tools.config.validation_contract import smartstack_ports

    path = service_path / "smartstack.yaml"
    if not path.is_file():
        return []
    lines = [marks.success("Found smartstack.yaml file")]
    ports = smartstack_ports(_read(path))
    missing = marks.failure(
        "Could not determine port. Ensure 'proxy_port' field is set in smartstack.yaml.\n  More info:",
        "http://y/smartstack-ports",
    )
    if not ports:
        return lines + [missing]
    for namespace, port in ports:
        if port is None:
            lines.append(missing.replace("Could not determine port.", f"Could not determine port of '{namespace}'."))
        else:
            lines.append(
                marks.success(
                    f"Instance '{namespace}' of your service is using smartstack port {port} "
                    "and will be automatically load balanced"
                )
            )
    return lines
