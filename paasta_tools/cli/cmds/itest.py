"""``paasta itest``: run the Makefile's ``itest`` target, which must build ``<registry>/services-<svc>:paasta-<sha>``.

The outcome is logged to the ``build`` component; itest fails when make fails or the image was not built.
"""

from __future__ import annotations

import argparse
import os
import sys

from paasta_tools.cli.arguments import add_soa_dir_argument
from paasta_tools.cli.cmds.mark_for_deployment import validate_full_git_sha

EXIT_OK = 0
EXIT_FAILURE = 1
ITEST_TIMEOUT_S = 3600


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "itest",
        help="Runs 'make itest' as part of the PaaSTA contract.",
        description=(
            "'paasta itest' runs 'make itest' in the root of a service directory. It is designed to be used "
            "in conjunction with the 'Jenkins' workflow: http://paasta.readthedocs.io/en/latest/about/contract.html"
        ),
    )
    parser.add_argument("-s", "--service", required=True, help="Test and build docker image for this service.")
    parser.add_argument(
        "-c",
        "--commit",
        required=True,
        type=validate_full_git_sha,
        help="Git sha used to construct tag for built image",
    )
    add_soa_dir_argument(parser)
    parser.set_defaults(command_func=paasta_itest)


def paasta_itest(args: argparse.Namespace) -> int:
    """``make itest`` with DOCKER_TAG set to the commit's registry tag, then check that the image exists."""
    from paasta_tools.cli.cmds.cook_image import log_event, run_logged_make, service_and_image_tag
    from paasta_tools.clients import docker_images
    from paasta_tools.clients.log_writer import load_log_writer

    service, tag = service_and_image_tag(args.service, args.soa_dir, args.commit)
    writer = load_log_writer()
    log_event(writer, service, f"starting itest for {args.commit}.")
    env = {**os.environ, "DOCKER_TAG": tag}
    returncode = run_logged_make("itest", service, env, writer, os.getcwd(), timeout=ITEST_TIMEOUT_S)
    if returncode != 0:
        log_event(writer, service, f"ERROR: itest failed for {args.commit}.", sys.stderr.write)
        return returncode
    log_event(writer, service, f"itest passed for {args.commit}.")
    if not docker_images.image_exists(docker_images.connect(), tag):
        log_event(writer, service, f"ERROR: itest has not created {tag}", sys.stderr.write)
        return EXIT_FAILURE
    return EXIT_OK
