"""``paasta fsm``: write the soa-configs of a new service from a template.

Values come from flags; one that is missing is asked for on a terminal and otherwise takes its
default (``--service`` has none and is required off a terminal; ``--cluster`` defaults to the
system config's ``cluster``).  The proxy port is the lowest in 20000–21000 that no smartstack.yaml
of the soa dir uses.  The template is the system config's ``fsm_template`` directory when set,
else the one shipped in ``paasta_tools/fsm/template``.  An existing service is never overwritten:
the files are written to a temporary directory renamed into place at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from paasta_tools.fsm.render import FsmValues

EXIT_OK = 0
EXIT_FAILURE = 1


def add_subparser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fsm",
        help="Generate boilerplate configs for a new PaaSTA Service",
        description="'paasta fsm' is used to generate example soa-configs, which is useful during initial "
        "service creation. After 'paasta fsm' is run, inspect the generated configuration and adjust it to "
        "the needs of the new service.",
    )
    parser.add_argument(
        "-y", "--yelpsoa-config-root", dest="yelpsoa_config_root", default=".",
        help="Path to root of yelpsoa-configs checkout (default: the current directory)",
    )  # fmt: skip
    parser.add_argument("-s", "--service", "--service-name", dest="service", help="Name of the new service")
    parser.add_argument("-t", "--team", help="Team responsible for the service (monitoring.yaml team)")
    parser.add_argument("--description", help="One line description of the service")
    parser.add_argument("--external-link", dest="external_link", help="Link to a reference doc for the service")
    parser.add_argument("--git-url", dest="git_url", help="The service's git repository (service.yaml git_url)")
    parser.add_argument("-c", "--cluster", help="Cluster of the marathon/chronos files (default: the system config's)")
    parser.add_argument("-p", "--port", type=int, help="Smartstack proxy port (default: a free one in 20000-21000)")
    parser.set_defaults(command_func=paasta_fsm)


def used_proxy_ports(soa_dir: str) -> set[int]:
    """Proxy ports of every smartstack.yaml under ``soa_dir`` (unreadable files are skipped)."""
    from paasta_tools.config.yaml_files import read_yaml_file
    from paasta_tools.errors import PaastaError
    from paasta_tools.fsm.render import proxy_ports_in

    ports: set[int] = set()
    for root, _dirs, files in os.walk(soa_dir):
        for name in files:
            if name.endswith("smartstack.yaml"):
                try:
                    ports |= proxy_ports_in(read_yaml_file(Path(root) / name))
                except (PaastaError, OSError):
                    continue  # another service's broken file does not stop a new one
    return ports


def read_templates(directory: str) -> dict[str, str]:
    """``{file name: text}`` of the template directory's files."""
    from paasta_tools.errors import FsmError

    path = Path(directory)
    if not path.is_dir():
        raise FsmError(f"fsm_template {directory} is not a directory")
    templates = {}
    for child in sorted(path.iterdir()):
        if child.is_file():
            try:
                templates[child.name] = child.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise FsmError(f"Cannot read the template file {child}: {exc}") from None
    return templates


def _system_config() -> Any:
    from paasta_tools.errors import PaastaNotConfiguredError
    from paasta_tools.system_config import load_system_paasta_config

    try:
        return load_system_paasta_config()
    except PaastaNotConfiguredError:
        return None


def template_dir(system_config: Any) -> str:
    """The system config's ``fsm_template`` when it names one, else the shipped template."""
    from paasta_tools.fsm.render import TEMPLATE_DIR

    configured = system_config.config_dict.get("fsm_template") if system_config is not None else None
    return str(configured or TEMPLATE_DIR)


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(name: str, default: str | None, prompt: Callable[[str], str] | None) -> str | None:
    if prompt is None:
        return default
    suffix = f" [{default}]" if default else ""
    answer = prompt(f"{name}{suffix}: ").strip()
    return answer or default


def gather_values(args: argparse.Namespace, soa_dir: str, system_config: Any, prompt: Callable[[str], str] | None
                  ) -> FsmValues:  # fmt: skip
    """The template values: flags, else answers to ``prompt`` (None off a terminal), else defaults."""
    from paasta_tools.errors import FsmError
    from paasta_tools.fsm import render

    service = args.service or _ask("service", None, prompt)
    if not service:
        raise FsmError("paasta fsm needs --service NAME (no terminal to ask on)")
    render.check_service_name(service)
    if os.path.lexists(Path(soa_dir) / service):
        raise FsmError(f"{Path(soa_dir) / service} already exists: paasta fsm does not overwrite an existing service")
    default_cluster = system_config.config_dict.get("cluster") if system_config is not None else None
    cluster = args.cluster or _ask("cluster", default_cluster, prompt)
    if not cluster:
        raise FsmError("paasta fsm needs --cluster NAME (no terminal to ask on and no cluster in the system config)")
    used = used_proxy_ports(soa_dir)
    port = args.port if args.port is not None else render.free_proxy_port(used)
    if args.port is not None and args.port in used:
        raise FsmError(f"Proxy port {args.port} is already used by a smartstack.yaml in {soa_dir}")
    return render.FsmValues(
        service=service,
        cluster=render.check_cluster_name(cluster),
        proxy_port=port,
        team=args.team or _ask("team", render.DEFAULT_TEAM, prompt) or render.DEFAULT_TEAM,
        description=args.description or _ask("description", render.DEFAULT_DESCRIPTION, prompt) or "",
        external_link=args.external_link or _ask("external_link", render.DEFAULT_EXTERNAL_LINK, prompt) or "",
        git_url=args.git_url,
    )


def write_service(soa_dir: str, service: str, files: dict[str, str]) -> Path:
    """Write ``files`` as ``<soa_dir>/<service>/``; FsmError if that exists (nothing is overwritten)."""
    import shutil
    import tempfile

    from paasta_tools.errors import FsmError

    target = Path(soa_dir) / service
    if os.path.lexists(target):
        raise FsmError(f"{target} already exists: paasta fsm does not overwrite an existing service")
    staging = Path(tempfile.mkdtemp(prefix=f".{service}.fsm-", dir=soa_dir))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        staging.chmod(0o755)
        # A service directory with files that appeared meanwhile makes the rename fail: never a mix.
        os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise FsmError(f"Could not write {target}: {exc.strerror or exc}") from None
    return target


def _print_done(out: TextIO, template: str, target: Path, service: str) -> None:
    from paasta_tools.status.colors import PLAIN, Palette

    p = Palette() if getattr(out, "isatty", lambda: False)() else PLAIN
    lines = [
        p.yellow("               _  _(o)_(o)_  _"),
        p.red(r"             ._\`:_ F S M _:' \_,"),
        p.green(r"                 / (`---'\ `-."),
        p.cyan("              ,-`  _)    (_,"),
        "With My Noodly Appendage I Have Written Configs For",
        "",
        p.bold(f"    {service}"),
        "",
        "Customize Them If It Makes You Happy -- see the soa-configs reference for every key",
        "Remember To Add, Commit, And Push When You're Done:",
        "",
        f"cd {target}",
        "# Review And/Or Customize Files",
        "git add .",
        f"git commit -m'Initial Commit For {service}'",
        "",
    ]
    out.write(f"Using template from {template}\n" + "\n".join(lines) + "\n")


def paasta_fsm(args: argparse.Namespace, out: TextIO | None = None, prompt: Callable[[str], str] | None = None) -> int:
    """Entry point of ``paasta fsm``."""
    from paasta_tools.errors import FsmError
    from paasta_tools.fsm.render import render_service

    out = out or sys.stdout
    soa_dir = args.yelpsoa_config_root
    if not os.path.isdir(soa_dir):
        raise FsmError(f"The soa-configs directory {soa_dir} (-y/--yelpsoa-config-root) does not exist")
    if prompt is None and _on_terminal():
        prompt = input
    system_config = _system_config()
    values = gather_values(args, soa_dir, system_config, prompt)
    template = template_dir(system_config)
    files = render_service(read_templates(template), values)
    target = write_service(soa_dir, values.service, files)
    _print_done(out, template, target, values.service)
    return EXIT_OK
