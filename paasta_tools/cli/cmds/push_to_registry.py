"""``paasta push-to-registry``: push ``<registry>/services-<svc>:paasta-<sha>`` (built by itest) to the registry."""

from __future__ import annotations

import argparse
import sys

from paasta_tools.cli.arguments import add_soa_dir_argument
from paasta_tools.cli.cmds.mark_for_deployment import validate_full_git_sha

EXIT_OK = 0
EXIT_FAILURE = 1


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push-to-registry",
        help="Uploads a docker image to a registry",
        description=(
            "'paasta push-to-registry' is a tool to upload a local docker image to the configured PaaSTA "
            "docker registry with a predictable and well-constructed image name. The image name must be "
            "predictable because the other PaaSTA components are expecting a particular format for the docker "
            "image name."
        ),
        epilog=(
            "Note: Uploading to a docker registry often requires access to the local docker socket as well as "
            "credentials to the remote registry"
        ),
    )
    parser.add_argument(
        "-s", "--service", required=True, help="Name of service for which you wish to upload a docker image."
    )
    parser.add_argument(
        "-c",
        "--commit",
        required=True,
        type=validate_full_git_sha,
        help="Git sha after which to name the remote image",
    )
    add_soa_dir_argument(parser)
    parser.set_defaults(command_func=paasta_push_to_registry)


def paasta_push_to_registry(args: argparse.Namespace) -> int:
    """Push the commit's image; the outcome is logged to the ``build`` component."""
    from paasta_tools.cli.cmds.cook_image import log_event, service_and_image_tag
    from paasta_tools.clients import docker_images
    from paasta_tools.clients.log_writer import load_log_writer
    from paasta_tools.errors import DockerImageError

    service, tag = service_and_image_tag(args.service, args.soa_dir, args.commit)
    writer = load_log_writer()

    def on_line(line: str) -> None:
        sys.stdout.write(line + "\n")
        writer.log(service=service, line=line, component="build", level="debug")

    try:
        docker_images.push_image(docker_images.connect(), tag, on_line)
    except DockerImageError as exc:
        writer.log(service=service, line=str(exc), component="build", level="debug")
        log_event(writer, service, f"ERROR: Failed to promote image for {args.commit}.", sys.stderr.write)
        sys.stderr.write(f"{exc}\n")
        return EXIT_FAILURE
    log_event(writer, service, f"Successfully pushed image for {args.commit} to registry")
    return EXIT_OK
