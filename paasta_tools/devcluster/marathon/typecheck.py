"""JSON type checks of an app body with play-json's 400 error keys (``error.expected.jsstring`` ...).

Marathon 1.4 reads only the keys it knows and ignores the others; ``null`` reads as absent.
"""

from __future__ import annotations

import math
from typing import Any

STR = "str"
STR_MAP = "str_map"
ENV_MAP = "env_map"
NUM = "num"
INT = "int"
BOOL = "bool"
OBJ = "obj"
ANY = "any"

# Marathon reads integers as JVM Ints.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_EXPECTED = {
    STR: "error.expected.jsstring",
    NUM: "error.expected.jsnumber",
    INT: "error.expected.jsnumber",
    BOOL: "error.expected.jsboolean",
    OBJ: "error.expected.jsobject",
}

PORT_MAPPING = {
    "containerPort": INT,
    "hostPort": INT,
    "servicePort": INT,
    "protocol": STR,
    "name": STR,
    "labels": STR_MAP,
}
DOCKER = {
    "image": STR,
    "network": STR,
    "portMappings": [PORT_MAPPING],
    "privileged": BOOL,
    "parameters": [{"key": STR, "value": STR}],
    "forcePullImage": BOOL,
    "credential": OBJ,
}
CONTAINER = {
    "type": STR,
    "docker": DOCKER,
    "volumes": [{"containerPath": STR, "hostPath": STR, "mode": STR, "persistent": OBJ, "external": OBJ}],
}
HEALTH_CHECK = {
    "protocol": STR,
    "path": STR,
    "portIndex": INT,
    "port": INT,
    "command": {"value": STR},
    "gracePeriodSeconds": INT,
    "intervalSeconds": INT,
    "timeoutSeconds": INT,
    "maxConsecutiveFailures": INT,
    "ignoreHttp1xx": BOOL,
    "delaySeconds": INT,
}
READINESS_CHECK = {
    "name": STR,
    "protocol": STR,
    "path": STR,
    "portName": STR,
    "intervalSeconds": INT,
    "timeoutSeconds": INT,
    "httpStatusCodesForReady": [INT],
    "preserveLastResponse": BOOL,
}
APP = {
    "id": STR,
    "cmd": STR,
    "args": [STR],
    "user": STR,
    "env": ENV_MAP,
    "instances": INT,
    "cpus": NUM,
    "mem": NUM,
    "disk": NUM,
    "gpus": INT,
    "executor": STR,
    "constraints": [[STR]],
    "uris": [STR],
    "fetch": [{"uri": STR, "executable": BOOL, "extract": BOOL, "cache": BOOL, "destPath": STR}],
    "storeUrls": [STR],
    "ports": [INT],
    "portDefinitions": [{"port": INT, "protocol": STR, "name": STR, "labels": STR_MAP}],
    "requirePorts": BOOL,
    "backoffSeconds": INT,
    "backoffFactor": NUM,
    "maxLaunchDelaySeconds": INT,
    "container": CONTAINER,
    "healthChecks": [HEALTH_CHECK],
    "readinessChecks": [READINESS_CHECK],
    "dependencies": [STR],
    "upgradeStrategy": {"minimumHealthCapacity": NUM, "maximumOverCapacity": NUM},
    "labels": STR_MAP,
    "acceptedResourceRoles": [STR],
    "ipAddress": OBJ,
    "residency": OBJ,
    "secrets": OBJ,  # each {"source": name}; checked as the definition is built
    "taskKillGracePeriodSeconds": INT,
    "unreachableStrategy": ANY,
    "killSelection": STR,
    "version": STR,
}


def _scalar_error(kind: str, value: Any) -> str | None:
    if kind == ANY:
        return None
    if kind == STR:
        return None if isinstance(value, str) else _EXPECTED[STR]
    if kind == BOOL:
        return None if isinstance(value, bool) else _EXPECTED[BOOL]
    if kind == OBJ:
        return None if isinstance(value, dict) else _EXPECTED[OBJ]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return _EXPECTED[kind]
    if kind == INT and (not float(value).is_integer() or not INT_MIN <= value <= INT_MAX):
        return "error.expected.int"
    return None


def _map_errors(kind: str, value: Any, path: str, errors: list[dict[str, Any]]) -> None:
    """Maps of string values (labels); env values may also be ``{"secret": name}``."""
    if not isinstance(value, dict):
        errors.append({"path": path, "errors": [_EXPECTED[OBJ]]})
        return
    for key, item in value.items():
        secret = kind == ENV_MAP and isinstance(item, dict) and isinstance(item.get("secret"), str)
        if not isinstance(item, str) and not secret:
            errors.append({"path": f"{path}/{key}", "errors": [_EXPECTED[STR]]})


def _walk(spec: Any, value: Any, path: str, errors: list[dict[str, Any]]) -> None:
    if value is None:
        return
    if spec in (STR_MAP, ENV_MAP):
        _map_errors(spec, value, path, errors)
        return
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            errors.append({"path": path or "/", "errors": [_EXPECTED[OBJ]]})
            return
        for key, sub in spec.items():
            if key in value:
                _walk(sub, value[key], f"{path}/{key}", errors)
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            errors.append({"path": path, "errors": ["error.expected.jsarray"]})
            return
        for index, item in enumerate(value):
            if item is None:
                errors.append({"path": f"{path}({index})", "errors": ["error.expected.jsvalue"]})
            else:
                _walk(spec[0], item, f"{path}({index})", errors)
        return
    message = _scalar_error(spec, value)
    if message:
        errors.append({"path": path, "errors": [message]})


def type_errors(body: Any, spec: dict[str, Any] = APP) -> list[dict[str, Any]]:
    """play-json style ``details`` for every key of ``body`` whose JSON type is wrong (empty when fine)."""
    errors: list[dict[str, Any]] = []
    _walk(spec, body, "", errors)
    return errors
