"""Per-cluster status reports of a service: assembly, text rendering (dispatch by instance type) and JSON.

An instance status is any frozen dataclass with ``instance_type``, ``instance`` and ``git_sha``;
``RENDERERS`` maps the instance type to the function rendering its lines.  The Chronos module
registers itself here with one more entry.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from paasta_tools.status.chronos import render_chronos_status
from paasta_tools.status.colors import Palette
from paasta_tools.status.marathon import render_marathon_status

Renderer = Callable[[Any, int, Palette], list[str]]
RENDERERS: dict[str, Renderer] = {"marathon": render_marathon_status, "chronos": render_chronos_status}


@dataclass(frozen=True)
class InstanceError:
    """An instance whose status could not be read (its scheduler failed, or its config is broken)."""

    instance: str
    instance_type: str
    git_sha: str
    message: str


@dataclass(frozen=True)
class ClusterReport:
    """One cluster of ``paasta status``: instances planned but not deployed, and the deployed ones' statuses."""

    cluster: str
    not_deployed: tuple[str, ...] = ()
    instances: tuple[Any, ...] = ()
    error: str | None = None
    unknown_instances: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and not any(isinstance(i, InstanceError) for i in self.instances)


def whitelist_warning(item_type: str, bogus: Sequence[str]) -> list[str]:
    """Upstream's warning for ``-c``/``-i`` values that match nothing ([] when all matched)."""
    if not bogus:
        return []
    return ["", f"Warning: This service does not have any {item_type} matching these names:", ",".join(bogus)]


def render_instance(status: Any, verbose: int, p: Palette) -> list[str]:
    """``instance:`` and ``Git sha:`` lines, then the type's own lines (or the error)."""
    lines = [f"instance: {p.blue(status.instance)}", f"Git sha:    {status.git_sha or 'None'} (desired)"]
    if isinstance(status, InstanceError):
        return lines + [p.red(f"Error: {status.message}")]
    renderer = RENDERERS.get(status.instance_type)
    if renderer is None:
        return lines + [f"Status of {status.instance_type} instances is not shown by this version."]
    return lines + renderer(status, verbose, p)


def render_cluster(report: ClusterReport, verbose: int, p: Palette) -> list[str]:
    """The cluster block: ``instance:`` lines indented by 2, everything else by 4, as upstream streamed them."""
    lines = ["", f"cluster: {report.cluster}"]
    for name in report.not_deployed:
        lines += [f"  instance: {p.red(name)}", "    Git sha:    None (not deployed yet)"]
    if report.error is not None:
        lines.append(f"    {p.red('Error: ' + report.error)}")
    for status in report.instances:
        for line in render_instance(status, verbose, p):
            lines.append(("  " if "instance: " in line else "    ") + line)
    lines += whitelist_warning("instance", report.unknown_instances)
    return lines


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, datetimes and tuples as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        instance_type = getattr(value, "instance_type", None)
        if instance_type is not None:
            out["instance_type"] = instance_type
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def report_json(service: str, reports: Sequence[ClusterReport]) -> dict[str, Any]:
    """The ``-o json`` document."""
    return {"service": service, "clusters": [to_jsonable(r) for r in reports]}
