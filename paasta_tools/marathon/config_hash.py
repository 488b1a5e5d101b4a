"""The config hash in Marathon app ids, bit for bit as upstream computes it.

Input: ``json.dumps(app_dict, sort_keys=True)`` with Python's default
separators and ASCII escaping, over the snake_case app dict without ``id``,
the keys of ``CONFIG_HASH_BLACKLIST`` and the docker ``label`` parameters,
followed by the force_bounce token.  Result: ``config`` + first 8 hex chars
of the md5.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

# Changing these never bounces an app: they are scaling knobs, not code or config.
CONFIG_HASH_BLACKLIST = frozenset({"instances", "backoff_seconds", "min_instances", "max_instances"})


def get_config_hash(config: Mapping[str, Any], force_bounce: str | None = None) -> str:
    """``config<md5[:8]>`` of the JSON of ``config`` (sorted keys) plus ``force_bounce``."""
    payload = json.dumps(config, sort_keys=True) + (force_bounce or "")
    return "config" + hashlib.md5(payload.encode("utf-8")).hexdigest()[:8]


def sanitize_for_config_hash(app_dict: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the app dict without the keys that must not affect the hash.

    Drops ``id`` and ``CONFIG_HASH_BLACKLIST`` keys and the docker ``label``
    parameters (labels name the service/instance, already part of the id).
    """
    sanitized = {k: copy.deepcopy(v) for k, v in app_dict.items() if k not in CONFIG_HASH_BLACKLIST and k != "id"}
    docker = sanitized.get("container", {}).get("docker")
    if isinstance(docker, dict) and "parameters" in docker:
        docker["parameters"] = [p for p in docker["parameters"] if p.get("key") != "label"]
    return sanitized


def app_config_hash(app_dict: Mapping[str, Any], force_bounce: str | None = None) -> str:
    """The config hash of a complete snake_case app dict."""
    return get_config_hash(sanitize_for_config_hash(app_dict), force_bounce=force_bounce)
