"""Rendering a new service's soa-configs from a template, and picking its SmartStack proxy port.

A template is ``{file name: text}``; both are ``string.Template`` texts with the placeholders
``${service}``, ``${cluster}``, ``${team}``, ``${description}``, ``${external_link}``, ``${git_url}``
and ``${proxy_port}`` (``$$`` for a literal ``$``).  Free-text values are substituted as YAML
double-quoted scalars, so a description with ``:`` or ``#`` stays one string.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paasta_tools.errors import FsmError

PROXY_PORT_MIN = 20000
PROXY_PORT_MAX = 21000
DEFAULT_TEAM = "noop"
DEFAULT_DESCRIPTION = "Description"
DEFAULT_EXTERNAL_LINK = "Url"
DEFAULT_GIT_URL_FORMAT = "git@git.yelpcorp.com:services/{service}.git"
TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
# Marathon app ids and Chronos job names must stay valid, and cluster files must be discovered.
SERVICE_NAME_RE = re.compile(r"[a-z0-9]([a-z0-9_-]*[a-z0-9])?")
CLUSTER_NAME_RE = re.compile(r"[0-9a-z_-]+")


@dataclass(frozen=True)
class FsmValues:
    """What the template is filled with."""

    service: str
    cluster: str
    proxy_port: int
    team: str = DEFAULT_TEAM
    description: str = DEFAULT_DESCRIPTION
    external_link: str = DEFAULT_EXTERNAL_LINK
    git_url: str | None = None


def check_service_name(service: str) -> str:
    """``service`` if it can name a PaaSTA service, else FsmError saying what is allowed."""
    if not SERVICE_NAME_RE.fullmatch(service or ""):
        raise FsmError(
            f"Invalid service name {service!r}: use lowercase letters, digits, '-' and '_', "
            "starting and ending with a letter or digit"
        )
    return service


def check_cluster_name(cluster: str) -> str:
    """``cluster`` if ``<type>-<cluster>.yaml`` files can name it, else FsmError."""
    if not CLUSTER_NAME_RE.fullmatch(cluster or ""):
        raise FsmError(f"Invalid cluster name {cluster!r}: use lowercase letters, digits, '-' and '_'")
    return cluster


def _yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def substitutions(values: FsmValues) -> dict[str, str]:
    """The placeholder values of ``values`` (free text as YAML scalars)."""
    git_url = values.git_url or DEFAULT_GIT_URL_FORMAT.format(service=values.service)
    return {
        "service": check_service_name(values.service),
        "cluster": check_cluster_name(values.cluster),
        "proxy_port": str(int(values.proxy_port)),
        "team": _yaml_string(values.team),
        "description": _yaml_string(values.description),
        "external_link": _yaml_string(values.external_link),
        "git_url": _yaml_string(git_url),
    }


def _substitute(text: str, mapping: Mapping[str, str], where: str) -> str:
    try:
        return string.Template(text).substitute(mapping)
    except KeyError as exc:
        raise FsmError(f"template {where} uses ${{{exc.args[0]}}}, which is not one of {sorted(mapping)}") from None
    except ValueError as exc:
        raise FsmError(f"template {where} has a bad placeholder ({exc}); write $$ for a literal $") from None


def render_service(templates: Mapping[str, str], values: FsmValues) -> dict[str, str]:
    """``{file name: text}`` of the new service (names and texts of ``templates`` filled in)."""
    mapping = substitutions(values)
    rendered: dict[str, str] = {}
    for name, text in sorted(templates.items()):
        file_name = _substitute(name, mapping, name)
        if "/" in file_name or file_name.startswith("."):
            raise FsmError(f"template file name {name!r} gives {file_name!r}, which is not a plain file name")
        rendered[file_name] = _substitute(text, mapping, name)
    return rendered


def proxy_ports_in(smartstack: Any) -> set[int]:
    """The integer ``proxy_port`` values of a parsed smartstack.yaml (anything unreadable is skipped)."""
    if not isinstance(smartstack, Mapping):
        return set()
    ports = set()
    for namespace in smartstack.values():
        port = namespace.get("proxy_port") if isinstance(namespace, Mapping) else None
        if isinstance(port, int) and not isinstance(port, bool):
            ports.add(port)
    return ports


def free_proxy_port(used: Iterable[int], low: int = PROXY_PORT_MIN, high: int = PROXY_PORT_MAX) -> int:
    """The lowest port in ``[low, high]`` that no smartstack.yaml uses; FsmError when all are taken."""
    taken = set(used)
    for port in range(low, high + 1):
        if port not in taken:
            return port
    raise FsmError(f"There are no more ports available in the range [{low}, {high}]")
