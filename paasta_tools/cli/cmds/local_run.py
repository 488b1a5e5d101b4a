"""``paasta local-run``: run a service's docker image on this machine as PaaSTA would run it on a cluster.

The image is built with ``make cook-image`` (``--build``, the default), pulled from the registry as
deployments.json says (``--pull``), or not touched (``--dry-run``, which prints the docker command).
The container gets the instance's env plus simulated Mesos/Marathon/Chronos variables, its resources
and docker parameters, port 8888 published on a random 127.0.0.1 port, and the system volumes.
Non-interactive runs are health-checked like Marathon would, their output tailed, and the container
stopped and removed; the exit code is the container's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paasta_tools.paths import DEFAULT_SOA_DIR

if TYPE_CHECKING:
    from paasta_tools.config.instance_config import InstanceConfig
    from paasta_tools.local_run.docker_args import DockerRunPlan
    from paasta_tools.local_run.healthcheck import HealthcheckTarget, LineColor
    from paasta_tools.system_config import SystemPaastaConfig

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 3
INTERACTIVE_NEEDS_TTY = "Interactive mode (-I, or no --instance) needs a terminal: stdin and stdout must be a TTY"
_COLORS = {"green": "\033[32m", "grey": "\033[1;30m", "red": "\033[31m", "yellow": "\033[33m", "cyan": "\033[36m"}


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "local-run",
        help="Run service's Docker image locally",
        description=(
            "'paasta local-run' is useful for simulating how a PaaSTA service would be executed on a real "
            "cluster. It analyzes the local soa-configs and constructs a 'docker run' invocation to match. "
            "This is useful as a type of end-to-end test, ensuring that a service will work inside the docker "
            "container as expected. Additionally, 'local-run' can healthcheck a service per the configured "
            "healthcheck.\n\nAlternatively, 'local-run' can be used with --pull, which will pull the currently "
            "deployed docker image and use it, instead of building one."
        ),
        epilog="Note: 'paasta local-run' uses docker commands, which may require elevated privileges to run (sudo).",
    )
    parser.add_argument("-s", "--service", help="The name of the service you wish to inspect")
    parser.add_argument(
        "-c",
        "--cluster",
        help="The name of the cluster you wish to simulate. If omitted, uses the default cluster defined in "
        "the paasta local-run configs",
    )
    parser.add_argument(
        "-y",
        "--yelpsoa-config-root",
        dest="yelpsoa_config_root",
        default=DEFAULT_SOA_DIR,
        help=f"A directory from which yelpsoa-configs should be read from (default {DEFAULT_SOA_DIR})",
    )
    _add_action_flags(parser)
    _add_run_flags(parser)
    parser.set_defaults(command_func=paasta_local_run)


def _add_action_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-b",
        "--build",
        dest="action",
        action="store_const",
        const="build",
        help="Build the docker image to run from scratch using the local Makefile's 'cook-image' target. "
        "Defaults to try to use the local Makefile if present.",
    )
    group.add_argument(
        "-p",
        "--pull",
        dest="action",
        action="store_const",
        const="pull",
        help="Pull the docker image marked for deployment from the Docker registry and use that for the "
        "local-run. This is the opposite of --build.",
    )
    group.add_argument(
        "-d",
        "--dry-run",
        dest="action",
        action="store_const",
        const="dry_run",
        help="Shows the arguments supplied to docker as json.",
    )
    group.set_defaults(action="build")
    parser.add_argument(
        "--json-dict",
        dest="dry_run_json_dict",
        action="store_true",
        help="When running dry run, output the arguments as a json dict",
    )


def _add_run_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C",
        "--cmd",
        default=None,
        help='Run Docker container with particular command, for example: "bash". By default will use the '
        "command or args specified by the soa-configs or what was specified in the Dockerfile",
    )
    parser.add_argument(
        "-i",
        "--instance",
        default=None,
        help="Simulate a docker run for a particular instance of the service, like 'main' or 'canary'. "
        "NOTE: if you don't specify an instance, PaaSTA will run in interactive mode",
    )
    parser.add_argument("-v", "--verbose", action="store_true", default=True, help="Show Docker commands output")
    parser.add_argument(
        "-I",
        "--interactive",
        action="store_true",
        default=False,
        help='Run container in interactive mode. If interactive is set the default command will be "bash" '
        'unless otherwise set by the "--cmd" flag',
    )
    parser.add_argument(
        "-k",
        "--no-healthcheck",
        dest="healthcheck",
        action="store_false",
        default=True,
        help="Disable simulated healthcheck",
    )
    parser.add_argument(
        "-t",
        "--healthcheck-only",
        dest="healthcheck_only",
        action="store_true",
        default=False,
        help="Terminates container after healthcheck (exits with status code 0 on success, 1 otherwise)",
    )


# --- output -------------------------------------------------------------------------------------


class Console:
    """Prints to stdout, coloured only on a terminal; also the runner's Reporter."""

    def __init__(self, stream: Any = None) -> None:
        self._stream = stream

    @property
    def stream(self) -> Any:
        return self._stream or sys.stdout

    def paint(self, text: str, color: str | None) -> str:
        isatty = getattr(self.stream, "isatty", None)
        if color is None or not (isatty and isatty()):
            return text
        return f"{_COLORS[color]}{text}\033[0m"

    def line(self, text: str, color: LineColor | None = None, plain: str = "") -> None:
        self.stream.write(self.paint(text, color.value if color else None) + plain + "\n")
        self.stream.flush()

    def raw(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8", "replace"))
        self.stream.flush()


def _error(text: str) -> None:
    sys.stderr.write(Console(sys.stderr).paint(text, "red") + "\n")


# --- configuration ------------------------------------------------------------------------------


def _system_config() -> SystemPaastaConfig:
    from paasta_tools.errors import PaastaNotConfiguredError
    from paasta_tools.system_config import SystemPaastaConfig, load_system_paasta_config

    try:
        return load_system_paasta_config()
    except PaastaNotConfiguredError:
        sys.stdout.write(
            Console().paint(
                "Warning: Couldn't load config files from '/etc/paasta'. This indicates PaaSTA is not configured "
                "locally on this host, and local-run may not behave the same way it would behave on a server "
                "configured for PaaSTA.",
                "yellow",
            )
            + "\n"
        )
        return SystemPaastaConfig({"volumes": []}, "/etc/paasta")


def _load_config(service: str, instance: str | None, cluster: str, soa_dir: str, load_deployments: bool) -> Any:
    """The instance config (the adhoc ``interactive`` one without ``-i``), or an int exit code on error."""
    from paasta_tools.config.loader import load_instance_config
    from paasta_tools.errors import NoDeploymentsAvailable

    try:
        if instance is None:
            return _interactive_config(service, cluster, soa_dir, load_deployments)
        return load_instance_config(service, instance, cluster, soa_dir, load_deployments)
    except NoDeploymentsAvailable:
        _error(
            f"Error: No deployments.json found in {soa_dir}/{service}. You can generate this by running: "
            f"generate_deployments_for_service -d {soa_dir} -s {service}"
        )
        return EXIT_FAILURE


def _interactive_config(service: str, cluster: str, soa_dir: str, load_deployments: bool) -> InstanceConfig:
    """The adhoc ``interactive`` config; without a deployment of its own the user picks a deploy group's image."""
    import dataclasses

    from paasta_tools.config.loader import load_instance_config
    from paasta_tools.deployments import load_deployments_json
    from paasta_tools.errors import NoDeploymentsAvailable

    try:
        return load_instance_config(service, "interactive", cluster, soa_dir, load_deployments, "adhoc")
    except NoDeploymentsAvailable:
        config = load_instance_config(service, "interactive", cluster, soa_dir, False, "adhoc")
    deployments = load_deployments_json(service, soa_dir)
    groups = deployments.deploy_groups()
    if not groups:
        raise NoDeploymentsAvailable(f"deployments.json of {service} has no deploy group to pick an image from")
    group = prompt_pick_one(groups, "deploy group")
    image = deployments.v2["deployments"][group]["docker_image"]
    return dataclasses.replace(
        config,
        config_dict={**config.config_dict, "deploy_group": group},
        branch_dict={"docker_image": image, "desired_state": "start", "force_bounce": None},
    )


def prompt_pick_one(choices: list[str], choosing: str, read: Any = input) -> str:
    """Ask the user to pick one of ``choices`` by number (the only choice is taken without asking)."""
    if len(choices) == 1:
        return choices[0]
    sys.stdout.write(f"Choose a {choosing}:\n")
    sys.stdout.write("".join(f"  {number}) {choice}\n" for number, choice in enumerate(choices, 1)))
    from paasta_tools.errors import LocalRunError

    while True:
        try:
            answer = read(f"{choosing} number (1-{len(choices)}): ").strip()
        except EOFError:
            raise LocalRunError(f"No {choosing} was chosen") from None
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return choices[int(answer) - 1]
        sys.stdout.write(f"{answer!r} is not one of 1-{len(choices)}\n")


def _docker_url(config: InstanceConfig, registry: str) -> str | None:
    from paasta_tools.errors import NoDockerImageError

    try:
        return config.get_docker_url(registry)
    except NoDockerImageError:
        _error(
            f"Error: No sha has been marked for deployment for the {config.get_deploy_group()} deploy group.\n"
            "Please ensure this service has either run through a jenkins pipeline or paasta mark-for-deployment "
            f"has been run for {config.service}"
        )
        return None


def existing_volumes(config: InstanceConfig, system_volumes: list[dict[str, str]]) -> list[str]:
    """``host:container:mode`` of the volumes whose host path exists (a warning for the others)."""
    from paasta_tools.local_run.docker_args import format_volumes

    kept = []
    for volume in config.get_volumes(system_volumes):
        if os.path.exists(volume.get("hostPath", "")):
            kept.append(volume)
        else:
            sys.stderr.write(
                Console(sys.stderr).paint(
                    f"Warning: Path {volume.get('hostPath')} does not exist on this host. Skipping this binding.",
                    "yellow",
                )
                + "\n"
            )
    return format_volumes(kept)


# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """How to run the planned container."""

    interactive: bool
    healthcheck: bool
    healthcheck_only: bool
    dry_run: bool
    json_dict: bool


def _healthcheck_target(config: InstanceConfig, soa_dir: str, port: int) -> HealthcheckTarget | None:
    from paasta_tools.config.long_running_config import LongRunningServiceConfig
    from paasta_tools.config.smartstack import load_service_namespace_config
    from paasta_tools.local_run.healthcheck import healthcheck_target

    if not isinstance(config, LongRunningServiceConfig):
        return None
    namespace = load_service_namespace_config(soa_dir, config.service, config.get_nerve_namespace())
    return healthcheck_target(config, namespace, port)


def plan_run(
    config: InstanceConfig, docker_url: str, volumes: list[str], cmd_flag: str | None, options: RunOptions
) -> tuple[DockerRunPlan, HealthcheckTarget | None]:
    """The docker run plan and health-check target of this invocation (random port and container name)."""
    import random
    import socket
    import time
    from datetime import datetime

    from paasta_tools.cli.cmds.cook_image import get_username
    from paasta_tools.clients.docker_runner import pick_free_port
    from paasta_tools.local_run.docker_args import build_plan, container_name, resolve_command
    from paasta_tools.local_run.env import local_run_env

    port = pick_free_port()
    env = local_run_env(config, port, socket.getfqdn(), os.environ.get("DOCKER_TAG"), int(time.time()))
    plan = build_plan(
        config,
        docker_hash=docker_url,
        env=env,
        volumes=volumes,
        command=resolve_command(config, cmd_flag, options.interactive, datetime.now()),
        chosen_port=port,
        name=container_name(get_username(), random.randint(1, 999999)),
        interactive=options.interactive,
        tty=sys.stdin.isatty(),
    )
    return plan, _healthcheck_target(config, config.soa_dir, port)


# --- running ------------------------------------------------------------------------------------


def _check_health(container: Any, config: InstanceConfig, target: HealthcheckTarget, enabled: bool) -> bool:
    from paasta_tools.clients.docker_runner import simulate_healthcheck
    from paasta_tools.local_run.healthcheck import healthcheck_policy

    console = Console()
    if not enabled:
        console.line(f"\nPaaSTA would have healthchecked your service via\n{console.paint(target.data, 'cyan')}")
        return True
    return simulate_healthcheck(container, target, healthcheck_policy(config), console)  # type: ignore[arg-type]


def _healthcheck_only_result(container: Any, target: HealthcheckTarget | None, passed: bool) -> int:
    from paasta_tools.clients.docker_runner import container_state

    console = Console()
    state = container_state(container)
    if not state.get("Running"):
        console.line(f"Container exited: {state.get('ExitCode')}")
    if not passed:
        console.line("Container logs:")
        console.raw(container.logs(stdout=True, stderr=True))
    if target is None:
        console.line("--healthcheck-only, but no healthcheck is defined for this instance!")
        return EXIT_FAILURE
    return EXIT_OK if passed else EXIT_FAILURE


def run_detached(
    client: Any, plan: DockerRunPlan, config: InstanceConfig, target: HealthcheckTarget | None, options: RunOptions
) -> int:
    """Start the container detached, health-check it, tail it until it exits, then stop and remove it."""
    from paasta_tools.clients import docker_runner
    from paasta_tools.local_run.docker_args import docker_sdk_kwargs

    console = Console()
    container = docker_runner.start_container(client, docker_sdk_kwargs(plan))
    console.line(f"Found our container running with CID {container.id}")
    try:
        passed = _check_health(container, config, target, options.healthcheck) if target is not None else True
        if options.healthcheck_only:
            return _healthcheck_only_result(container, target, passed)
        if docker_runner.container_state(container).get("Running"):
            console.line("Your service is now running! Tailing stdout and stderr:")
        else:
            console.line("Your service has already exited. Here is its stdout and stderr:")
        docker_runner.tail_logs(container, console)
        return docker_runner.exit_code(container)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        docker_runner.cleanup_container(container, console)


def execute(client: Any, plan: DockerRunPlan, config: InstanceConfig, target: Any, options: RunOptions) -> int:
    """Print (dry run) or run the plan."""
    from paasta_tools.clients.docker_runner import run_interactive
    from paasta_tools.errors import LocalRunError
    from paasta_tools.local_run.docker_args import docker_run_args, docker_sdk_kwargs

    args = docker_run_args(plan)
    if options.dry_run:
        sys.stdout.write(json.dumps(plan.as_json_dict() if options.json_dict else args) + "\n")
        return EXIT_OK
    console = Console()
    console.line("Running docker command:\n" + console.paint(" ".join(args), "grey"))
    if options.interactive:
        if not _has_terminal():
            raise LocalRunError(INTERACTIVE_NEEDS_TTY)
        return run_interactive(client, docker_sdk_kwargs(plan), sys.stdin.fileno(), sys.stdout.fileno())
    return run_detached(client, plan, config, target, options)


# --- the command --------------------------------------------------------------------------------


def _build_image(service: str, soa_dir: str) -> int:
    """``make cook-image`` with DOCKER_TAG (kept from the environment or ``paasta-local-run-<svc>-<user>``)."""
    from paasta_tools.cli.cmds.cook_image import cook_image, cook_image_env
    from paasta_tools.clients.log_writer import load_log_writer

    env = cook_image_env(service, os.environ, prefix="paasta-local-run")
    os.environ["DOCKER_TAG"] = env["DOCKER_TAG"]  # the contract: PAASTA_DOCKER_IMAGE falls back to it
    return cook_image(service, soa_dir, os.getcwd(), env, load_log_writer())


def _pull(client: Any, docker_url: str) -> None:
    from paasta_tools.clients.docker_images import pull_image

    sys.stderr.write(f"Please wait while the image ({docker_url}) is pulled...\n")
    pull_image(client, docker_url)


def _refusal(args: argparse.Namespace) -> str | None:
    """Why these flags cannot work here (checked before building or pulling anything), or None."""
    if args.instance is None and args.healthcheck_only:
        return "With --healthcheck-only, --instance MUST be provided!"
    if args.instance is None and not sys.stdin.isatty():
        return "--instance and --cluster must be specified when using paasta local-run without a tty!"
    if args.interactive and args.action != "dry_run" and not _has_terminal():
        return INTERACTIVE_NEEDS_TTY
    return None


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _cluster(args: argparse.Namespace, system_config: SystemPaastaConfig) -> str | None:
    cluster = args.cluster or system_config.get_local_run_config().get("default_cluster")
    if not cluster:
        _error(
            "PaaSTA on this machine has not been configured with a default cluster. "
            "Please pass one to local-run using '-c'."
        )
    return cluster


def paasta_local_run(args: argparse.Namespace) -> int:
    """Build or pull the image, plan the run from the instance config, then print or run it."""
    from paasta_tools.cli.cmds.start_stop_restart import figure_out_service_name
    from paasta_tools.clients.docker_runner import connect
    from paasta_tools.clients.make import makefile_responds_to

    if args.action == "build" and not makefile_responds_to("cook-image", os.getcwd()):
        sys.stderr.write("A local Makefile with a 'cook-image' target is required for --build\n")
        sys.stderr.write("If you meant to pull the docker image from the registry, explicitly pass --pull\n")
        return EXIT_FAILURE
    system_config = _system_config()
    soa_dir = args.yelpsoa_config_root
    service = figure_out_service_name(args.service, soa_dir)
    cluster = _cluster(args, system_config)
    refusal = _refusal(args)
    if cluster is None or refusal:
        if refusal:
            sys.stderr.write(refusal + "\n")
        return EXIT_FAILURE
    client = connect() if args.action != "dry_run" else None
    docker_url = None
    if args.action == "build":
        returncode = _build_image(service, soa_dir)
        if returncode != 0:
            return returncode
        docker_url = os.environ["DOCKER_TAG"]
    config = _load_config(service, args.instance, cluster, soa_dir, load_deployments=docker_url is None)
    if isinstance(config, int):
        return config
    if docker_url is None:
        docker_url = _docker_url(config, system_config.get_docker_registry())
        if docker_url is None:
            return EXIT_FAILURE
        if args.action == "pull":
            _pull(client, docker_url)
    options = RunOptions(
        interactive=args.interactive or args.instance is None,
        healthcheck=args.healthcheck,
        healthcheck_only=args.healthcheck_only,
        dry_run=args.action == "dry_run",
        json_dict=args.dry_run_json_dict,
    )
    volumes = existing_volumes(config, system_config.get_volumes())
    plan, target = plan_run(config, docker_url, volumes, args.cmd, options)
    return _execute_reporting_engine_errors(client, plan, config, target, options)


def _execute_reporting_engine_errors(
    client: Any, plan: DockerRunPlan, config: InstanceConfig, target: Any, options: RunOptions
) -> int:
    import docker.errors
    import requests

    try:
        return execute(client, plan, config, target, options)
    except (docker.errors.APIError, requests.ConnectionError) as exc:
        sys.stderr.write(f"Can't run Docker container. Error: {exc}\n")
        return EXIT_FAILURE
