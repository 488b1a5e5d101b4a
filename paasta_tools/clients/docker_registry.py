"""Asking a Docker registry (HTTP API v2) whether an image tag is there, without a Docker engine.

Registries on loopback addresses are spoken to over plain HTTP, as the Docker engine treats them as
insecure registries by default; every other registry over HTTPS.  Credentials, when the registry asks
for them, come from the ``auths`` of the user's Docker config (``~/.docker/config.json``).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from urllib.parse import quote

from paasta_tools.errors import DockerImageError

DEFAULT_TIMEOUT_S = 10.0
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def registry_base_url(registry: str) -> str:
    """``http://`` for a loopback registry, ``https://`` otherwise (a scheme already given is kept)."""
    if registry.startswith(("http://", "https://")):
        return registry.rstrip("/")
    host = registry.rsplit(":", 1)[0] if not registry.startswith("[") else registry.split("]")[0] + "]"
    scheme = "http" if host in LOOPBACK_HOSTS else "https"
    return f"{scheme}://{registry.rstrip('/')}"


def credentials_for(registry: str, docker_config: Path | None = None) -> tuple[str, str] | None:
    """(user, password) of ``registry`` from the Docker config's ``auths``, or None when it has none."""
    path = docker_config or Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "config.json"
    try:
        auths = json.loads(path.read_text()).get("auths") or {}
    except (OSError, ValueError, AttributeError):
        return None
    entry = next((v for k, v in auths.items() if k.split("://")[-1].rstrip("/") == registry), None)
    try:
        user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
    except (TypeError, KeyError, ValueError):
        return None
    return user, password


def image_tag_exists(registry: str, repository: str, tag: str, timeout: float = DEFAULT_TIMEOUT_S) -> bool:
    """Whether ``registry`` lists ``tag`` among the tags of ``repository`` (``GET /v2/<repo>/tags/list``).

    An unknown repository is False; an unreachable registry or any other answer is a DockerImageError
    naming the URL.
    """
    import requests

    url = f"{registry_base_url(registry)}/v2/{quote(repository)}/tags/list"
    try:
        response = requests.get(url, timeout=timeout, auth=credentials_for(registry))
    except requests.RequestException as exc:
        raise DockerImageError(f"Cannot reach the Docker registry at {url}: {exc}") from None
    if response.status_code == 404:
        return False
    if response.status_code == 401:
        raise DockerImageError(f"The Docker registry at {url} wants credentials: run 'docker login {registry}'")
    if response.status_code != 200:
        raise DockerImageError(f"The Docker registry at {url} answered HTTP {response.status_code}")
    try:
        tags = response.json().get("tags") or []
    except (ValueError, AttributeError):
        raise DockerImageError(f"The Docker registry at {url} did not answer a JSON tag list") from None
    return tag in tags
