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
from collections import namedtuple
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing alone costs ~10 ms of start-up
if TYPE_CHECKING:
    from typing import Any

TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S"
TAG_PREFIX = "refs/tags/"
CONTROL_STATES = ("start", "stop")
DEFAULT_STATE = ("start", None)

_TS = r"\d{8}T\d{6}"
_DEPLOY_PREFIX = "refs/tags/paasta-"
_DEPLOY_SUFFIX = "-deploy"
_CONTROL_SUFFIXES = ("-start", "-stop")
_DEPLOY_MIN_LEN = len(_DEPLOY_PREFIX) + len("-YYYYmmddTHHMMSS-deploy")
_CONTROL_SHAPE = re.compile(r"^refs/tags/paasta-(?P<branch>.+)-(?P<ts>[^-]+)-(?P<state>start|stop)$")
_CONTROL_TEMPLATE = r"^refs/tags/(?:paasta-){0,2}%s-(?P<force_bounce>[^-]+)-(?P<state>(start|stop))$"
# Deploy groups made only of these characters (``.`` being the one regex metacharacter among them)
# match exactly the refs whose group part has the same length and fullmatches the group.
_SIMPLE_GROUP = re.compile(r"[A-Za-z0-9_.\-/:=@,%~]*")


# Records are namedtuples rather than frozen dataclasses: generate_deployments_for_service imports
# this module on every run, and building dataclasses (plus importing dataclasses/inspect/typing)
# would cost more start-up time than all of its work on thousands of tags.


class DeployTag(namedtuple("DeployTag", "ref deploy_group timestamp sha")):
    """A deploy tag found in the refs (all fields str)."""

    __slots__ = ()


class ControlTag(namedtuple("ControlTag", "ref branch timestamp state sha")):
    """A start/stop control tag in its canonical ``paasta-<branch>-<ts>-<state>`` form (all fields str)."""

    __slots__ = ()


def format_timestamp(when: datetime) -> str:
    """``when`` (aware or naive-UTC) as ``YYYYmmddTHHMMSS`` in UTC."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime(TIMESTAMP_FORMAT)


def parse_timestamp(timestamp: str) -> datetime | None:
    """The aware UTC datetime of a ``YYYYmmddTHHMMSS`` tag timestamp, or None when it is not a real date."""
    # Field slicing instead of strptime: strptime's first call costs milliseconds of imports.
    ts = timestamp
    if len(ts) != 15 or ts[8] != "T" or not (ts[:8] + ts[9:]).isdecimal():
        return None
    try:
        fields = (ts[:4], ts[4:6], ts[6:8], ts[9:11], ts[11:13], ts[13:])
        return datetime(*(int(f) for f in fields), tzinfo=UTC)
    except ValueError:
        return None


def is_valid_timestamp(timestamp: str) -> bool:
    """Whether ``timestamp`` is a real ``YYYYmmddTHHMMSS`` date and time."""
    return parse_timestamp(timestamp) is not None


def deploy_tag_ref(deploy_group: str, timestamp: str) -> str:
    """``refs/tags/paasta-<deploy_group>-<timestamp>-deploy``."""
    return f"{TAG_PREFIX}paasta-{deploy_group}-{timestamp}-deploy"


def control_tag_ref(branch: str, timestamp: str, state: str) -> str:
    """``refs/tags/paasta-<cluster>.<instance>-<timestamp>-<start|stop>``."""
    if state not in CONTROL_STATES:
        raise ValueError(f"control tag state must be one of {list(CONTROL_STATES)}, not {state!r}")
    return f"{TAG_PREFIX}paasta-{branch}-{timestamp}-{state}"


def _split_deploy_ref(ref: str) -> tuple[str, str] | None:
    """``(deploy_group, timestamp)`` when ``ref`` matches ``^refs/tags/paasta-(.*)-(\\d{8}T\\d{6})-deploy$``."""
    # String slicing: this runs once per ref of the repository, thousands of times.
    if not (ref.endswith(_DEPLOY_SUFFIX) and ref.startswith(_DEPLOY_PREFIX)) or len(ref) < _DEPLOY_MIN_LEN:
        return None
    timestamp = ref[-22:-7]
    if ref[-23] != "-" or timestamp[8] != "T" or not (timestamp[:8] + timestamp[9:]).isdecimal():
        return None
    return ref[len(_DEPLOY_PREFIX) : -23], timestamp


def parse_deploy_tag(ref: str, sha: str = "") -> DeployTag | None:
    """The DeployTag of ``ref`` or None when it is not a deploy tag."""
    parts = _split_deploy_ref(ref)
    if parts is None:
        return None
    return DeployTag(ref=ref, deploy_group=parts[0], timestamp=parts[1], sha=sha)


def _first(item: tuple[str, str, str]) -> str:
    return item[0]


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


def _dot_match(pattern: str, text: str) -> bool:
    """Whether ``text`` fullmatches ``pattern`` read as a regex whose only metacharacter is ``.``."""
    if len(pattern) != len(text):
        return False
    return all(p == t or (p == "." and t != "\n") for p, t in zip(pattern, text, strict=True))


def _split_control_ref(ref: str) -> tuple[str, str, str] | None:
    """``(head, force_bounce, state)`` of ``refs/tags/<head>-<force_bounce>-<start|stop>``, else None."""
    if not ref.startswith(TAG_PREFIX):
        return None
    head_and_fb, dash, state = ref[len(TAG_PREFIX) :].rpartition("-")
    if not dash or state not in CONTROL_STATES:
        return None
    head, dash, force_bounce = head_and_fb.rpartition("-")
    if not dash or not force_bounce:
        return None
    return head, force_bounce, state


def _control_head_matches(branch: str, head: str) -> bool:
    """``head`` is ``(?:paasta-){0,2}<branch>`` with ``branch`` a dot-only regex (see _SIMPLE_GROUP)."""
    return any(
        head.startswith(prefix) and _dot_match(branch, head[len(prefix) :])
        for prefix in ("paasta-paasta-", "paasta-", "")
    )


class RefIndex:
    """The refs of one ``ls-remote``, indexed once so lookups stay fast with thousands of tags."""

    def __init__(self, refs: Mapping[str, str]) -> None:
        self.refs = refs
        # group name -> [(timestamp, ref, sha)] in ref order; plain tuples keep indexing cheap.
        self._deploy_by_group: dict[str, list[tuple[str, str, str]]] = {}
        # sha -> refs that may be control tags (they end in -start or -stop), in ref order.
        self._control_refs_by_sha: dict[str, list[str]] = {}
        for ref, sha in refs.items():
            if ref.endswith(_DEPLOY_SUFFIX):
                parts = _split_deploy_ref(ref)
                if parts is not None:
                    self._deploy_by_group.setdefault(parts[0], []).append((parts[1], ref, sha))
            elif ref.endswith(_CONTROL_SUFFIXES):
                self._control_refs_by_sha.setdefault(sha, []).append(ref)

    def _deploy_candidates(self, deploy_group: str) -> list[tuple[str, str, str]]:
        if _SIMPLE_GROUP.fullmatch(deploy_group):
            if "." not in deploy_group:
                return self._deploy_by_group.get(deploy_group, [])
            return [
                tag for name, tags in self._deploy_by_group.items() if _dot_match(deploy_group, name) for tag in tags
            ]
        pattern = _compile(rf"^refs/tags/paasta-%s-({_TS})-deploy$", deploy_group)
        found = []
        for tags in self._deploy_by_group.values():
            for _, ref, sha in tags:
                match = pattern.match(ref)
                if match:
                    found.append((match.group(1), ref, sha))
        return found

    def latest_deploy_tag(self, deploy_group: str) -> DeployTag | None:
        """The deploy tag of ``deploy_group`` with the newest timestamp (first in ref order on ties)."""
        # A stable sort keeps ref order among equal timestamps.  A tag whose digits are not a real
        # date (e.g. month 13) never wins: upstream's strptime rejected it.
        for timestamp, ref, sha in sorted(self._deploy_candidates(deploy_group), key=_first, reverse=True):
            if is_valid_timestamp(timestamp):
                return DeployTag(ref=ref, deploy_group=deploy_group, timestamp=timestamp, sha=sha)
        return None

    def desired_state(self, branch: str, sha: str) -> tuple[str, str | None]:
        """``(state, force_bounce)`` from the newest start/stop control tag of ``branch`` on ``sha``."""
        best: tuple[str, str] | None = None
        for force_bounce, state in self._control_tags(branch, sha):
            # ">=" keeps the last of equal timestamps, as upstream's stable sort did.
            if best is None or force_bounce >= best[0]:
                best = (force_bounce, state)
        if best is None:
            return DEFAULT_STATE
        return best[1], best[0]

    def _control_tags(self, branch: str, sha: str) -> list[tuple[str, str]]:
        """``(force_bounce, state)`` of the refs on ``sha`` matching upstream's control tag regex for ``branch``."""
        candidates = self._control_refs_by_sha.get(sha, [])
        if not candidates:
            return []
        if _SIMPLE_GROUP.fullmatch(branch):
            found = []
            for ref in candidates:
                parts = _split_control_ref(ref)
                if parts and _control_head_matches(branch, parts[0]):
                    found.append((parts[1], parts[2]))
            return found
        pattern = _compile(_CONTROL_TEMPLATE, branch)
        matches = (pattern.match(ref) for ref in candidates)
        return [(m.group("force_bounce"), m.group("state")) for m in matches if m]


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


class ControlTagPlan(namedtuple("ControlTagPlan", "tags missing_deploy_groups")):
    """What ``paasta start|stop|restart`` must push (``tags``: tuple of ControlTag) and the deploy groups
    that were never deployed (``missing_deploy_groups``: tuple of str)."""

    __slots__ = ()


def plan_control_tags(
    targets: Iterable[tuple[str, str]], refs: Mapping[str, str] | RefIndex, state: str, timestamp: str
) -> ControlTagPlan:
    """One control tag per ``(branch, deploy_group)`` target, at its group's latest deployed sha.

    Targets whose deploy group has no deploy tag are reported in ``missing_deploy_groups`` (in order, once).
    """
    index = refs if isinstance(refs, RefIndex) else RefIndex(refs)
    tags: list[ControlTag] = []
    missing: dict[str, None] = {}
    for branch, deploy_group in targets:
        deploy_tag = index.latest_deploy_tag(deploy_group)
        if deploy_tag is None:
            missing[deploy_group] = None
            continue
        ref = control_tag_ref(branch, timestamp, state)
        tags.append(ControlTag(ref=ref, branch=branch, timestamp=timestamp, state=state, sha=deploy_tag.sha))
    return ControlTagPlan(tags=tuple(tags), missing_deploy_groups=tuple(missing))


class PreviousDeploy(namedtuple("PreviousDeploy", "sha timestamp deploy_group")):
    """A commit that was marked for deployment: its newest deploy tag's timestamp and deploy group."""

    __slots__ = ()


def previously_deployed_shas(refs: Mapping[str, str], deploy_groups: Iterable[str]) -> list[PreviousDeploy]:
    """Every sha with a deploy tag of one of ``deploy_groups``, newest deploy first (for ``paasta rollback``).

    Only ``-deploy`` tags count (upstream's pattern also took start/stop tags of instances whose deploy
    group is their branch for deployments).
    """
    wanted = set(deploy_groups)
    newest: dict[str, tuple[str, str]] = {}
    for ref, sha in refs.items():
        parts = _split_deploy_ref(ref)
        if parts is not None and parts[0] in wanted and parts[1] > newest.get(sha, ("", ""))[0]:
            newest[sha] = (parts[1], parts[0])
    found = [PreviousDeploy(sha, timestamp, group) for sha, (timestamp, group) in newest.items()]
    return sorted(found, key=lambda deploy: deploy.timestamp, reverse=True)
