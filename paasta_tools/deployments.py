"""deployments.json: reading (with upgrade of old formats), querying and atomic writing.

On disk the file is ``{"v1": {...}, "v2": {"deployments": {...}, "controls": {...}}}``:

* v1 maps ``<service>:paasta-<cluster>.<instance>`` to ``{docker_image, desired_state, force_bounce}``;
* v2 ``deployments`` maps a deploy group to ``{docker_image, git_sha}`` and ``controls`` maps
  ``<service>:<cluster>.<instance>`` to ``{desired_state, force_bounce}``.

Older files are upgraded when read (:func:`upgrade_deployments_dict`): the pre-v1 flat format
``{"<service>:paasta-<branch>": "<docker image>"}`` and v1-only files.  Every write goes through
:func:`validate_deployments_dict` first.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import namedtuple
from collections.abc import Mapping

from paasta_tools.errors import ConfigError, NoDeploymentsAvailable, PaastaError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: generate_deployments_for_service avoids importing typing
if TYPE_CHECKING:
    from typing import Any

DEPLOYMENTS_FILENAME = "deployments.json"
DESIRED_STATES = ("start", "stop")
_IMAGE_SHA_RE = re.compile(r":paasta-(?P<sha>[0-9a-fA-F]+)$")
_V1_KEY_PREFIX = ":paasta-"


def deployments_path(service: str, soa_dir: str) -> str:
    """Return ``<soa_dir>/<service>/deployments.json``."""
    return os.path.join(soa_dir, service, DEPLOYMENTS_FILENAME)


def docker_image_for(service: str, sha: str) -> str:
    """The registry-relative image name of a service at a commit: ``services-<service>:paasta-<sha>``."""
    return f"services-{service}:paasta-{sha}"


def sha_from_docker_image(docker_image: str) -> str:
    """The git sha encoded in a ``services-<service>:paasta-<sha>`` image name ('' when absent)."""
    match = _IMAGE_SHA_RE.search(docker_image or "")
    return match.group("sha") if match else ""


class DeploymentsJson(namedtuple("DeploymentsJson", "v1 v2")):
    """A loaded (and upgraded) deployments.json: ``v1`` and ``v2`` are its two sections.

    An immutable namedtuple, not a dataclass, to keep dataclasses out of the cron scripts' start-up.
    """

    __slots__ = ()

    def __new__(cls, v1: Mapping[str, Any] | None = None, v2: Mapping[str, Any] | None = None) -> DeploymentsJson:
        return super().__new__(cls, v1 if v1 is not None else {}, v2 if v2 is not None else _empty_v2())

    def get_branch_dict(self, service: str, branch: str) -> dict[str, Any]:
        """The v1 entry of ``<service>:paasta-<branch>`` (keys docker_image, desired_state, force_bounce) or {}."""
        return dict(self.v1.get(f"{service}{_V1_KEY_PREFIX}{branch}", {}))

    def get_branch_dict_v2(self, service: str, branch: str, deploy_group: str) -> dict[str, Any]:
        """Image and sha of ``deploy_group`` merged with the controls of ``<service>:<branch>``.

        Raises NoDeploymentsAvailable when either half is missing.
        """
        deployment = self.v2.get("deployments", {}).get(deploy_group)
        control = self.v2.get("controls", {}).get(f"{service}:{branch}")
        if deployment is None or control is None:
            raise NoDeploymentsAvailable(
                f"deployments.json has no deployment for deploy group {deploy_group!r} "
                f"and instance {branch!r} of service {service!r}"
            )
        return {
            "docker_image": deployment["docker_image"],
            "git_sha": deployment["git_sha"],
            "desired_state": control["desired_state"],
            "force_bounce": control["force_bounce"],
        }

    def get_deployed_sha(self, deploy_group: str) -> str | None:
        """The git sha deployed to ``deploy_group`` according to v2, or None."""
        deployment = self.v2.get("deployments", {}).get(deploy_group)
        return deployment["git_sha"] if deployment else None

    def deploy_groups(self) -> list[str]:
        """Deploy groups that have a deployment, in file order."""
        return list(self.v2.get("deployments", {}))

    def to_dict(self) -> dict[str, Any]:
        """The on-disk shape (plain, JSON-serialisable dicts)."""
        return {
            "v1": {key: dict(value) for key, value in self.v1.items()},
            "v2": {
                "deployments": {k: dict(v) for k, v in self.v2.get("deployments", {}).items()},
                "controls": {k: dict(v) for k, v in self.v2.get("controls", {}).items()},
            },
        }


def _empty_v2() -> dict[str, Any]:
    return {"deployments": {}, "controls": {}}


def _upgrade_flat(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Pre-v1 files map a v1 key straight to an image string (or, later, to a v1 dict)."""
    v1 = {}
    for key, value in raw.items():
        if isinstance(value, str):
            value = {"docker_image": value, "desired_state": "start", "force_bounce": None}
        v1[key] = value
    return {"v1": v1}


def _v2_from_v1(service_v1: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Derive v2 from v1 entries, using each instance's default deploy group (its branch)."""
    deployments: dict[str, dict[str, Any]] = {}
    controls: dict[str, dict[str, Any]] = {}
    for key, entry in service_v1.items():
        service, sep, branch = key.partition(_V1_KEY_PREFIX)
        if not sep:
            continue
        image = entry.get("docker_image", "")
        deployments[branch] = {"docker_image": image, "git_sha": sha_from_docker_image(image)}
        controls[f"{service}:{branch}"] = {
            "desired_state": entry.get("desired_state", "start"),
            "force_bounce": entry.get("force_bounce"),
        }
    return {"deployments": deployments, "controls": controls}


def upgrade_deployments_dict(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Bring any known deployments.json shape up to v1 + v2; returns a new dict.

    pre-v1 flat ``{key: image}`` → v1 dicts with start/None; v1-only → v2 derived from v1
    (deploy group = branch); v1 + v2 → unchanged.
    """
    data: dict[str, Any] = dict(raw)
    if "v1" not in data and "v2" not in data:
        data = _upgrade_flat(data)
    data.setdefault("v1", {})
    if "v2" not in data:
        data["v2"] = _v2_from_v1(data["v1"])
    v2 = dict(data["v2"]) if isinstance(data["v2"], Mapping) else data["v2"]
    if isinstance(v2, dict):
        v2.setdefault("deployments", {})
        v2.setdefault("controls", {})
    data["v2"] = v2
    return data


def _check_control(where: str, entry: Any) -> list[str]:
    problems = []
    if entry.get("desired_state") not in DESIRED_STATES:
        problems.append(f"{where}.desired_state must be one of {list(DESIRED_STATES)}")
    force_bounce = entry.get("force_bounce")
    if force_bounce is not None and not isinstance(force_bounce, str):
        problems.append(f"{where}.force_bounce must be a string or null")
    return problems


def _check_entries(where: str, entries: Any, string_keys: tuple[str, ...], control: bool) -> list[str]:
    if not isinstance(entries, Mapping):
        return [f"{where} must be an object"]
    problems = []
    for key, entry in entries.items():
        path = f"{where}[{key!r}]"
        if not isinstance(entry, Mapping):
            problems.append(f"{path} must be an object")
            continue
        for name in string_keys:
            if not isinstance(entry.get(name), str):
                problems.append(f"{path}.{name} must be a string")
        if control:
            problems.extend(_check_control(path, entry))
    return problems


def deployments_dict_problems(data: Any) -> list[str]:
    """Every way ``data`` departs from the v1 + v2 shape ([] when valid)."""
    if not isinstance(data, Mapping):
        return ["deployments data must be an object"]
    problems = []
    if set(data) != {"v1", "v2"}:
        problems.append(f"top-level keys must be exactly ['v1', 'v2'], got {sorted(map(str, data))}")
    problems.extend(_check_entries("v1", data.get("v1"), ("docker_image",), control=True))
    v2 = data.get("v2")
    if not isinstance(v2, Mapping):
        return problems + ["v2 must be an object"]
    problems.extend(_check_entries("v2.deployments", v2.get("deployments"), ("docker_image", "git_sha"), False))
    problems.extend(_check_entries("v2.controls", v2.get("controls"), (), control=True))
    return problems


def validate_deployments_dict(data: Any, path: str) -> None:
    """Raise ConfigError naming ``path`` and every problem when ``data`` is not valid deployments.json."""
    problems = deployments_dict_problems(data)
    if problems:
        raise ConfigError(f"Refusing to write invalid {path}: " + "; ".join(problems))


def read_deployments_file(path: str) -> dict[str, Any]:
    """Parse ``path`` as JSON and upgrade it; NoDeploymentsAvailable when missing, ConfigError when broken."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise NoDeploymentsAvailable(f"{path} was not found.") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path} must hold a JSON object, not {type(raw).__name__}")
    data = upgrade_deployments_dict(raw)
    problems = deployments_dict_problems(data)
    if problems:
        raise ConfigError(f"{path} is not a valid deployments.json: " + "; ".join(problems))
    return data


def load_deployments_json(service: str, soa_dir: str) -> DeploymentsJson:
    """Load ``<soa_dir>/<service>/deployments.json`` (any known format, upgraded to v1 + v2)."""
    path = deployments_path(service, soa_dir)
    try:
        data = read_deployments_file(path)
    except NoDeploymentsAvailable:
        raise NoDeploymentsAvailable(f"{path} was not found. '{service}' must be deployed before it can run.") from None
    return DeploymentsJson(v1=data["v1"], v2=data["v2"])


def _current_umask() -> int:
    # os.umask can only be read by setting it; restore immediately.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _read_existing(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def write_deployments_json(path: str, data: Mapping[str, Any]) -> bool:
    """Atomically write ``data`` to ``path`` unless the file already holds it; return whether it wrote.

    The data is validated first; the JSON goes to a temp file in the same directory which is
    fsynced, given mode ``0666 & ~umask`` and renamed over ``path``, so readers never see a
    partial file.
    """
    validate_deployments_dict(data, path)
    if _read_existing(path) == data:
        return False
    directory = os.path.dirname(os.path.abspath(path))
    try:
        _atomic_write(directory, path, data)
    except OSError as exc:
        raise PaastaError(f"Cannot write {path}: {exc.strerror or exc}") from None
    _fsync_directory(directory)
    return True


def _atomic_write(directory: str, path: str, data: Mapping[str, Any]) -> None:
    fd, tmp_path = _create_temp_file(directory, os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_path, 0o666 & ~_current_umask())
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
        raise


def _create_temp_file(directory: str, basename: str) -> tuple[int, str]:
    # tempfile.mkstemp would do, but importing tempfile costs more than the whole write.
    for attempt in range(100):
        tmp_path = os.path.join(directory, f".{basename}.{os.getpid()}.{time.monotonic_ns()}.{attempt}.tmp")
        try:
            return os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp_path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file for {basename} in {directory}")


def _fsync_directory(directory: str) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
