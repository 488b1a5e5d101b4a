"""Docker images of services: the registry tag of a commit, and checking, pushing and pulling images.

Talks to the local engine through the docker SDK.  Progress lines of a push or pull are handed to
``on_line`` as the engine reports them; failures raise DockerImageError naming the image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import docker
import docker.errors
from docker.utils import parse_repository_tag

from paasta_tools.deployments import docker_image_for
from paasta_tools.errors import DockerImageError

DEFAULT_TIMEOUT_S = 3600


def build_docker_tag(registry: str, service: str, sha: str) -> str:
    """``<registry>/services-<service>:paasta-<sha>``: the tag ``paasta itest`` builds and push-to-registry pushes."""
    return f"{registry}/{docker_image_for(service, sha)}"


def connect(timeout: int = DEFAULT_TIMEOUT_S) -> docker.DockerClient:
    """A client of the local engine (``DOCKER_HOST`` or the default socket)."""
    try:
        return docker.from_env(timeout=timeout)
    except docker.errors.DockerException as exc:
        raise DockerImageError(f"Cannot talk to the Docker engine: {exc}") from None


def image_exists(client: docker.DockerClient, image: str) -> bool:
    """True when the local engine has an image tagged ``image``."""
    try:
        found = client.images.get(image)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.APIError as exc:
        raise DockerImageError(f"Cannot inspect image {image}: {exc.explanation or exc}") from None
    repository, tag = parse_repository_tag(image)
    return f"{repository}:{tag or 'latest'}" in found.tags or image == found.id


def _progress_line(event: Mapping[str, Any]) -> str:
    parts = [str(event[key]) for key in ("id", "status", "progress") if event.get(key)]
    return ": ".join(parts[:2]) + (f" {parts[2]}" if len(parts) > 2 else "")


def _consume(events: Iterable[Mapping[str, Any]], image: str, verb: str, on_line: Callable[[str], None]) -> None:
    for event in events:
        if event.get("error") or event.get("errorDetail"):
            detail = event.get("error") or event["errorDetail"].get("message", "")
            raise DockerImageError(f"Failed to {verb} {image}: {detail}")
        line = _progress_line(event)
        if line:
            on_line(line)


def push_image(client: docker.DockerClient, image: str, on_line: Callable[[str], None] = lambda _: None) -> None:
    """``docker push <image>``; DockerImageError when the image is missing or the registry refuses it."""
    repository, tag = parse_repository_tag(image)
    try:
        events = client.api.push(repository, tag=tag, stream=True, decode=True)
        _consume(events, image, "push", on_line)
    except docker.errors.APIError as exc:
        raise DockerImageError(f"Failed to push {image}: {exc.explanation or exc}") from None
    except docker.errors.DockerException as exc:
        raise DockerImageError(f"Failed to push {image}: {exc}") from None


def pull_image(client: docker.DockerClient, image: str, on_line: Callable[[str], None] = lambda _: None) -> None:
    """``docker pull <image>``; DockerImageError when the registry does not have it."""
    repository, tag = parse_repository_tag(image)
    try:
        events = client.api.pull(repository, tag=tag or "latest", stream=True, decode=True)
        _consume(events, image, "pull", on_line)
    except docker.errors.APIError as exc:
        raise DockerImageError(f"Failed to pull {image}: {exc.explanation or exc}") from None
    except docker.errors.DockerException as exc:
        raise DockerImageError(f"Failed to pull {image}: {exc}") from None
