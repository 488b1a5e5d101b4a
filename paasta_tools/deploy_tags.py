"""Git tag names of the control plane and the deployments.json computation from remote refs.

Pure: takes the ``{ref: sha}`` dict of ``git ls-remote`` and returns data.

* deploy tag:  ``refs/tags/paasta-<deploy_group>-<YYYYmmddTHHMMSS>-deploy`` → the commit to run;
* control tag: ``refs/tags/paasta-<cluster>.<instance>-<YYYYmmddTHHMMSS>-<start|stop>`` → the sha the
  instance's deploy group was deployed at when ``paasta start|stop|restart`` ran.

As upstream, the deploy group and branch are put into the tag regexes *unescaped*, so a ``.`` in a
deploy group matches any character (``prod.main`` also finds ``paasta-prodXmain-...-deploy``).  A
group or branch that is not a valid regex is matched literally (upstream crashed on it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S"
TAG_PREFIX = "refs/tags/"
CONTROL_STATES = ("start", "stop")
DEFAULT_STATE = ("start", None)

_TS = r"\d{8}T\d{6}"
_DEPLOY_SHAPE = re.compile(rf"^refs/tags/paasta-(?P<group>.*)-(?P<ts>{_TS})-deploy$")
_CONTROL_SHAPE = re.compile(r"^refs/tags/paasta-(?P<branch>.+)-(?P<ts>[^-]+)-(?P<state>start|stop)$")
# Deploy groups made only of these characters (``.`` being the one regex metacharacter among them)
# match exactly the refs whose group part has the same length and fullmatches the group.
_SIMPLE_GROUP = re.compile(r"^[A-Za-z0-9_.\-/:=@,%~]*$")


@dataclass(frozen=True)
class DeployTag:
    """A deploy tag found in the refs."""

    ref: str
    deploy_group: str
    timestamp: str
    sha: str


@dataclass(frozen=True)
class ControlTag:
    """A start/stop control tag in its canonical ``paasta-<branch>-<ts>-<state>`` form."""

    ref: str
    branch: str
    timestamp: str
    state: str
    sha: str


def format_timestamp(when: datetime) -> str:
    """``when`` (aware or naive-UTC) as ``YYYYmmddTHHMMSS`` in UTC."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(timestamp: str) -> datetime | None:
    """The aware UTC datetime of a tag timestamp, or None when it is not a real date."""
    try:
        return datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def deploy_tag_ref(deploy_group: str, timestamp: str) -> str:
    """``refs/tags/paasta-<deploy_group>-<timestamp>-deploy``."""
    return f"{TAG_PREFIX}paasta-{deploy_group}-{timestamp}-deploy"


def control_tag_ref(branch: str, timestamp: str, state: str) -> str:
    """``refs/tags/paasta-<cluster>.<instance>-<timestamp>-<start|stop>``."""
    if state not in CONTROL_STATES:
        raise ValueError(f"control tag state must be one of {list(CONTROL_STATES)}, not {state!r}")
    return f"{TAG_PREFIX}paasta-{branch}-{timestamp}-{state}"


def parse_deploy_tag(ref: str, sha: str = "") -> DeployTag | None:
    """The DeployTag of ``ref`` or None when it is not a deploy tag."""
    match = _DEPLOY_SHAPE.match(ref)
    if not match:
        return None
    return DeployTag(ref=ref, deploy_group=match.group("group"), timestamp=match.group("ts"), sha=sha)


def parse_control_tag(ref: str, sha: str = "") -> ControlTag | None:
    """The ControlTag of a canonical control tag ``ref`` or None."""
    match = _CONTROL_SHAPE.match(ref)
    if not match:
        return None
    return ControlTag(ref, match.group("branch"), match.group("ts"), match.group("state"), sha)


def _compile(template: str, name: str) -> re.Pattern[str]:
    try:
        return re.compile(template % name)
    except re.error:
        return re.compile(template % re.escape(name))


class RefIndex:
    """The refs of one ``ls-remote``, indexed once so lookups stay fast with thousands of tags."""

    def __init__(self, refs: Mapping[str, str]) -> None:
        self.refs = refs
        self._deploy_by_group: dict[str, list[DeployTag]] = {}
        self._refs_by_sha: dict[str, list[str]] = {}
        for ref, sha in refs.items():
            self._refs_by_sha.setdefault(sha, []).append(ref)
            tag = parse_deploy_tag(ref, sha)
            if tag is not None:
                self._deploy_by_group.setdefault(tag.deploy_group, []).append(tag)

    def _deploy_candidates(self, deploy_group: str) -> Iterable[DeployTag]:
        if re.escape(deploy_group) == deploy_group:
            return self._deploy_by_group.get(deploy_group, [])
        if _SIMPLE_GROUP.match(deploy_group):
            pattern = _compile("%s", deploy_group)
            return [
                tag
                for name, tags in self._deploy_by_group.items()
                if len(name) == len(deploy_group) and pattern.fullmatch(name)
                for tag in tags
            ]
        pattern = _compile(rf"^refs/tags/paasta-%s-({_TS})-deploy$", deploy_group)
        found = []
        for tags in self._deploy_by_group.values():
            for tag in tags:
                match = pattern.match(tag.ref)
                if match:
                    found.append(DeployTag(tag.ref, deploy_group, match.group(1), tag.sha))
        return found

    def latest_deploy_tag(self, deploy_group: str) -> DeployTag | None:
        """The deploy tag of ``deploy_group`` with the newest timestamp (first in ref order on ties)."""
        ordered = sorted(self._deploy_candidates(deploy_group), key=lambda t: t.timestamp, reverse=True)
        # A tag whose digits are not a real date (e.g. month 13) never wins, as strptime rejected it upstream.
        for tag in ordered:
            if parse_timestamp(tag.timestamp) is not None:
                return tag
        return None

    def desired_state(self, branch: str, sha: str) -> tuple[str, str | None]:
        """``(state, force_bounce)`` from the newest start/stop control tag of ``branch`` on ``sha``."""
        pattern = _compile(r"^refs/tags/(?:paasta-){0,2}%s-(?P<force_bounce>[^-]+)-(?P<state>(start|stop))$", branch)
        best: tuple[str, str] | None = None
        for ref in self._refs_by_sha.get(sha, ()):
            match = pattern.match(ref)
            # ">=" keeps the last of equal timestamps, as upstream's stable sort did.
            if match and (best is None or match.group("force_bounce") >= best[0]):
                best = (match.group("force_bounce"), match.group("state"))
        if best is None:
            return DEFAULT_STATE
        return best[1], best[0]


def compute_deployments(
    service: str, branches: Iterable[tuple[str, str]], refs: Mapping[str, str] | RefIndex
) -> dict[str, Any]:
    """The deployments.json dict ``{"v1": ..., "v2": ...}`` of ``service``.

    ``branches`` holds ``(<cluster>.<instance>, deploy_group)`` pairs in read order (marathon then
    chronos, yaml order); keys keep that order.  Instances whose deploy group has no deploy tag are
    omitted.
    """
    index = refs if isinstance(refs, RefIndex) else RefIndex(refs)
    v1: dict[str, dict[str, Any]] = {}
    deployments: dict[str, dict[str, str]] = {}
    controls: dict[str, dict[str, Any]] = {}
    latest: dict[str, DeployTag | None] = {}
    for branch, deploy_group in dict(branches).items():
        if deploy_group not in latest:
            latest[deploy_group] = index.latest_deploy_tag(deploy_group)
        tag = latest[deploy_group]
        if tag is None:
            continue
        docker_image = f"services-{service}:paasta-{tag.sha}"
        desired_state, force_bounce = index.desired_state(branch, tag.sha)
        v1[f"{service}:paasta-{branch}"] = {
            "docker_image": docker_image,
            "desired_state": desired_state,
            "force_bounce": force_bounce,
        }
        deployments[deploy_group] = {"docker_image": docker_image, "git_sha": tag.sha}
        controls[f"{service}:{branch}"] = {"desired_state": desired_state, "force_bounce": force_bounce}
    return {"v1": v1, "v2": {"deployments": deployments, "controls": controls}}
