"""``paasta cook-image``: build the service's docker image with its Makefile's ``cook-image`` target.

``DOCKER_TAG`` (from the environment, else ``paasta-cook-image-<service>-<user>``) names the image,
per the PaaSTA contract.  make's output is streamed and logged to the ``build`` component.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from paasta_tools.cli.arguments import strip_services_prefix
from paasta_tools.paths import DEFAULT_SOA_DIR

if TYPE_CHECKING:
    from paasta_tools.clients.log_writer import LogWriter

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 2
CONTRACT_DOCS = "http://paasta.readthedocs.io/en/latest/about/contract.html"


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cook-image",
        help="Builds a docker image",
        description="Calls 'make cook-image' as part of the PaaSTA contract.",
        epilog=(
            "Note: 'paasta cook-image' requires a local Makefile with a 'cook-image' target in the current "
            "working directory. It runs 'make cook-image' with DOCKER_TAG set to the image to build."
        ),
    )
    parser.add_argument("-s", "--service", required=True, help="Name of the service whose image to build")
    parser.add_argument(
        "-y",
        "--yelpsoa-config-root",
        dest="yelpsoa_config_root",
        default=DEFAULT_SOA_DIR,
        help=f"A directory from which yelpsoa-configs should be read (default {DEFAULT_SOA_DIR})",
    )
    parser.set_defaults(command_func=paasta_cook_image)


def get_username() -> str:
    """The invoking user (``$SUDO_USER`` under sudo)."""
    import getpass

    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def run_logged_make(
    target: str, service: str, env: Mapping[str, str], writer: LogWriter, directory: str, timeout: float | None = None
) -> int:
    """``make <target>``: each output line printed and logged at debug level to the ``build`` component."""
    from paasta_tools.clients.make import run_make_target

    def on_line(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        writer.log(service=service, line=line, component="build", level="debug")

    return run_make_target(target, directory, dict(env), on_line, timeout=timeout)


def service_and_image_tag(service: str, soa_dir: str, commit: str) -> tuple[str, str]:
    """The service of ``-s`` (no ``services-`` prefix; its soa-configs must exist) and its image tag at ``commit``."""
    from paasta_tools.clients import docker_images
    from paasta_tools.config.soa_dir import require_service_dir
    from paasta_tools.system_config import load_system_paasta_config

    service = strip_services_prefix(service)
    require_service_dir(soa_dir, service)
    return service, docker_images.build_docker_tag(load_system_paasta_config().get_docker_registry(), service, commit)


def log_event(writer: LogWriter, service: str, line: str, stream: Callable[[str], object] | None = None) -> None:
    """An event line of the ``build`` component: printed (stdout by default) and logged."""
    (stream or sys.stdout.write)(line + "\n")
    writer.log(service=service, line=line, component="build", level="event")


def cook_image(service: str, soa_dir: str, directory: str, env: Mapping[str, str], writer: LogWriter) -> int:
    """Run ``make cook-image`` in ``directory`` for ``service`` with ``env`` (which carries DOCKER_TAG)."""
    from paasta_tools.clients.make import makefile_responds_to
    from paasta_tools.config.soa_dir import require_service_dir

    require_service_dir(soa_dir, service)
    if not makefile_responds_to("cook-image", directory):
        sys.stderr.write(
            f"ERROR: local-run now requires a cook-image target to be present in the Makefile. See {CONTRACT_DOCS}\n"
        )
        return EXIT_FAILURE
    try:
        returncode = run_logged_make("cook-image", service, env, writer, directory)
    except KeyboardInterrupt:
        sys.stderr.write("\nProcess interrupted by the user. Cancelling.\n")
        return EXIT_INTERRUPTED
    if returncode != 0:
        log_event(writer, service, f"ERROR: make cook-image failed for {service}.", sys.stderr.write)
    return returncode


def cook_image_env(service: str, base_env: Mapping[str, str], prefix: str = "paasta-cook-image") -> dict[str, str]:
    """``base_env`` with DOCKER_TAG set: kept when present, else ``<prefix>-<service>-<user>``."""
    env = dict(base_env)
    env.setdefault("DOCKER_TAG", f"{prefix}-{service}-{get_username()}")
    return env


def paasta_cook_image(args: argparse.Namespace) -> int:
    """Build the image of ``-s`` from the Makefile in the current directory."""
    from paasta_tools.clients.log_writer import load_log_writer

    service = strip_services_prefix(args.service)
    env = cook_image_env(service, os.environ)
    return cook_image(service, args.yelpsoa_config_root, os.getcwd(), env, load_log_writer())
