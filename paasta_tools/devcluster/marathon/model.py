"""App definitions: Marathon 1.4 defaults, validation and the stored (= output) shape.

``normalize_app(body)`` turns a request body into the definition dict Marathon 1.4 writes, in its key
order, with service ports still 0 where Marathon must assign them (``state`` does that, as they are
unique across apps).  ``as_input(definition)`` turns a stored definition back into a body, so a partial
update is ``normalize_app({**as_input(old), **changes})``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from paasta_tools.devcluster.marathon.errors import MarathonApiError, bad_request, invalid_json, not_valid
from paasta_tools.devcluster.marathon.ids import validate_path_id
from paasta_tools.devcluster.marathon.typecheck import type_errors

OPERATORS = ("UNIQUE", "LIKE", "CLUSTER", "GROUP_BY", "UNLIKE", "MAX_PER")
HEALTH_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP")
NETWORKS = ("BRIDGE", "HOST", "NONE", "USER")
PORT_PROTOCOLS = ("tcp", "udp", "udp,tcp")
PORT_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
EXECUTOR = re.compile(r"^(//cmd)|(/?[^/]+(/[^/]+)*)|$")
EXTRACTABLE = (".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip")
# Keys a definition change does not count as a config change for (scale only).
SCALE_KEYS = frozenset({"instances", "version"})
CMD_ARGS_CONTAINER = "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."
PORT_INDEX_MESSAGE = "Health check port indices must address an element of the ports array or container port mappings."


def _num_text(value: float) -> str:
    return str(int(value)) if isinstance(value, int) else repr(float(value))


def _enum_error(path: str) -> MarathonApiError:
    return invalid_json([{"path": path, "errors": ["error.expected.validenumvalue"]}])


def _constraints(raw: list[list[str]]) -> list[list[str]]:
    out = []
    for item in raw:
        if len(item) not in (2, 3):
            raise bad_request("Constraint definition must be an array of strings in format: <key>, <operator>[, value]")
        if item[1] not in OPERATORS:
            raise bad_request(f"Constraint operator must be one of the following: [{', '.join(OPERATORS)}]")
        out.append(list(item))
    return out


def _constraint_errors(constraints: list[list[str]]) -> list[str]:
    errors = []
    for field, op, *rest in constraints:
        value = rest[0] if rest else None
        if not field or not op:
            errors.append("Missing field and operator")
        elif op == "UNIQUE" and value is not None:
            errors.append("Value specified but not used")
        elif op == "GROUP_BY" and value is not None and not value.isdigit():
            errors.append("Value was specified but is not a number")
        elif op == "MAX_PER" and (value is None or not value.isdigit()):
            errors.append("Value was not specified or is not a number")
        elif op in ("LIKE", "UNLIKE"):
            errors.extend(_regex_error(value))
    return errors


def _regex_error(value: str | None) -> list[str]:
    if value is None:
        return ["A regular expression value must be provided"]
    try:
        re.compile(value)
    except re.error:
        return [f"'{value}' is not a valid regular expression"]
    return []


def _fetch(body: dict[str, Any]) -> list[dict[str, Any]]:
    uris = body.get("uris") or []
    fetch = body.get("fetch") or []
    if uris and fetch:
        raise bad_request("You cannot specify both uris and fetch fields")
    if uris:
        return [{"uri": u, "extract": u.endswith(EXTRACTABLE), "executable": False, "cache": False} for u in uris]
    out = []
    for item in fetch:
        if "uri" not in item:
            raise invalid_json([{"path": "/fetch/uri", "errors": ["error.path.missing"]}])
        entry = {
            "uri": item["uri"],
            "extract": item.get("extract", True),
            "executable": item.get("executable", False),
            "cache": item.get("cache", False),
        }
        if item.get("destPath"):
            entry["destPath"] = item["destPath"]
        out.append(entry)
    return out


def _port_mapping(raw: dict[str, Any], index: int) -> dict[str, Any]:
    protocol = raw.get("protocol") or "tcp"
    if protocol not in PORT_PROTOCOLS:
        raise _enum_error(f"/container/docker/portMappings({index})/protocol")
    mapping: dict[str, Any] = {
        "containerPort": raw.get("containerPort") or 0,
        "hostPort": raw.get("hostPort") if raw.get("hostPort") is not None else 0,
        "servicePort": raw.get("servicePort") or 0,
        "protocol": protocol,
    }
    if raw.get("name") is not None:
        mapping["name"] = raw["name"]
    mapping["labels"] = raw.get("labels") or {}
    return mapping


def _docker(raw: dict[str, Any]) -> dict[str, Any]:
    network = raw.get("network")
    if network is not None and network not in NETWORKS:
        raise _enum_error("/container/docker/network")
    return {
        "image": raw.get("image") or "",
        "network": network,
        "portMappings": [_port_mapping(m, i) for i, m in enumerate(raw.get("portMappings") or [])],
        "privileged": bool(raw.get("privileged", False)),
        "parameters": [{"key": p.get("key"), "value": p.get("value")} for p in raw.get("parameters") or []],
        "forcePullImage": bool(raw.get("forcePullImage", False)),
    }


def _volume(raw: dict[str, Any], index: int) -> dict[str, Any]:
    mode = raw.get("mode")
    if mode is None:
        raise invalid_json([{"path": f"/container/volumes({index})/mode", "errors": ["error.path.missing"]}])
    if str(mode).upper() not in ("RO", "RW"):
        raise _enum_error(f"/container/volumes({index})/mode")
    volume = {"containerPath": raw.get("containerPath"), "mode": str(mode).upper()}
    for key in ("hostPath", "persistent", "external"):
        if raw.get(key) is not None:
            volume[key] = raw[key]
    return volume


def _container(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    kind = raw.get("type") or "DOCKER"
    if kind not in ("DOCKER", "MESOS"):
        raise _enum_error("/container/type")
    container: dict[str, Any] = {
        "type": kind,
        "volumes": [_volume(v, i) for i, v in enumerate(raw.get("volumes") or [])],
    }
    if raw.get("docker") is not None:
        container["docker"] = _docker(raw["docker"])
    return container


def _health_check(raw: dict[str, Any], index: int, has_ports: bool) -> dict[str, Any]:
    protocol = raw.get("protocol") or "HTTP"
    if protocol not in HEALTH_PROTOCOLS:
        raise _enum_error(f"/healthChecks({index})/protocol")
    check: dict[str, Any] = {}
    if protocol == "COMMAND":
        command = raw.get("command") or {}
        check["command"] = {"value": command.get("value")}
    check["gracePeriodSeconds"] = raw.get("gracePeriodSeconds", 300)
    check["intervalSeconds"] = raw.get("intervalSeconds", 60)
    check["timeoutSeconds"] = raw.get("timeoutSeconds", 20)
    check["maxConsecutiveFailures"] = raw.get("maxConsecutiveFailures", 3)
    if protocol != "COMMAND":
        if raw.get("port") is not None:
            check["port"] = raw["port"]
        elif raw.get("portIndex") is not None:
            check["portIndex"] = raw["portIndex"]
        elif has_ports:
            check["portIndex"] = 0
        if raw.get("path") is not None and protocol in ("HTTP", "HTTPS", "MESOS_HTTP", "MESOS_HTTPS"):
            check["path"] = raw["path"]
    check["protocol"] = protocol
    if protocol in ("HTTP", "HTTPS"):
        check["ignoreHttp1xx"] = bool(raw.get("ignoreHttp1xx", False))
    if protocol == "COMMAND" or protocol.startswith("MESOS_"):
        check["delaySeconds"] = raw.get("delaySeconds", 15)
    return check


def _secrets(raw: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Secret declarations ``{name: {"source": ...}}`` (the only key Marathon 1.4 reads)."""
    for name, value in raw.items():
        if not isinstance(value, dict) or not isinstance(value.get("source"), str):
            raise invalid_json([{"path": f"/secrets/{name}/source", "errors": ["error.expected.jsstring"]}])
    return {name: {"source": value["source"]} for name, value in raw.items()}


def _unreachable(raw: Any) -> Any:
    """``"disabled"`` or ``{inactiveAfterSeconds, expungeAfterSeconds}`` (0/0 by default, as 1.4.12 writes)."""
    if raw is None:
        raw = {}
    if raw == "disabled":
        return raw
    if not isinstance(raw, dict):
        raise _enum_error("/unreachableStrategy")
    values = {key: raw.get(key, 0) for key in ("inactiveAfterSeconds", "expungeAfterSeconds")}
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid_json([{"path": f"/unreachableStrategy/{key}", "errors": ["error.expected.jsnumber"]}])
    return values


def _readiness_check(raw: dict[str, Any]) -> dict[str, Any]:
    """A readiness check with Marathon's defaults, only the keys Marathon (and marathon-python) know."""
    return {
        "name": raw.get("name", "readinessCheck"),
        "protocol": raw.get("protocol", "HTTP"),
        "path": raw.get("path", "/"),
        "portName": raw.get("portName", "http-api"),
        "intervalSeconds": raw.get("intervalSeconds", 30),
        "timeoutSeconds": raw.get("timeoutSeconds", 10),
        "httpStatusCodesForReady": raw.get("httpStatusCodesForReady", [200]),
        "preserveLastResponse": raw.get("preserveLastResponse", False),
    }


def _port_definitions(body: dict[str, Any]) -> list[dict[str, Any]]:
    ports = body.get("ports")
    definitions = body.get("portDefinitions")
    if ports is not None and definitions is not None:
        if [d.get("port", 0) for d in definitions] != list(ports):
            raise bad_request("You cannot specify both ports and port definitions")
    if definitions is None and ports is not None:
        definitions = [{"port": p} for p in ports]
    if definitions is None:
        definitions = [] if body.get("ipAddress") else [{"port": 0, "name": "default"}]
    out = []
    for index, raw in enumerate(definitions):
        protocol = raw.get("protocol") or "tcp"
        if protocol not in PORT_PROTOCOLS:
            raise _enum_error(f"/portDefinitions({index})/protocol")
        entry: dict[str, Any] = {"port": raw.get("port") or 0, "protocol": protocol}
        if raw.get("name") is not None:
            entry["name"] = raw["name"]
        entry["labels"] = raw.get("labels") or {}
        out.append(entry)
    return out


def port_mappings(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """The docker port mappings of a definition ([] for none)."""
    container = definition.get("container") or {}
    return ((container.get("docker") or {}).get("portMappings")) or []


def network(definition: dict[str, Any]) -> str | None:
    container = definition.get("container") or {}
    return (container.get("docker") or {}).get("network")


def _numbers(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "instances": int(body.get("instances", 1)),
        "cpus": float(body.get("cpus", 1.0)),
        "mem": float(body.get("mem", 128.0)),
        "disk": float(body.get("disk", 0.0)),
        "gpus": int(body.get("gpus", 0)),
    }


def _strategy(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("upgradeStrategy") or {}
    return {
        "minimumHealthCapacity": float(raw.get("minimumHealthCapacity", 1.0)),
        "maximumOverCapacity": float(raw.get("maximumOverCapacity", 1.0)),
    }


def _resolve_null(value: Any) -> Any:
    """play-json reads ``null`` as an absent optional field, at every depth."""
    if isinstance(value, dict):
        return {k: _resolve_null(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_resolve_null(v) for v in value]
    return value


def normalize_app(body: Any, app_id: str | None = None) -> dict[str, Any]:
    """The definition Marathon stores for ``body`` (ids canonical, defaults applied), or MarathonApiError.

    ``app_id`` (from the URL) wins over the body's id.  Service ports that are 0 stay 0 here.
    """
    if not isinstance(body, dict):
        raise invalid_json([{"path": "/", "errors": ["error.expected.jsobject"]}])
    errors = type_errors(body)
    if errors:
        raise invalid_json(errors)
    body = _resolve_null(body)
    if app_id is None:
        if "id" not in body:
            raise invalid_json([{"path": "/id", "errors": ["error.path.missing"]}])
        app_id = validate_path_id(body["id"])
    definition = _assemble(body, app_id)
    details = validation_errors(definition)
    if details:
        raise not_valid(details)
    return definition


def _assemble(body: dict[str, Any], app_id: str) -> dict[str, Any]:
    """The definition in Marathon 1.4's output key order."""
    kill_selection = body.get("killSelection", "YOUNGEST_FIRST")
    if kill_selection not in ("YOUNGEST_FIRST", "OLDEST_FIRST"):
        raise _enum_error("/killSelection")
    container = _container(body.get("container"))
    fetch = _fetch(body)
    definitions = _port_definitions(body)
    mappings = ((container or {}).get("docker") or {}).get("portMappings") or []
    if mappings:
        definitions = [_definition_of_mapping(m) for m in mappings]
    parent = app_id.rsplit("/", 1)[0] or "/"
    definition: dict[str, Any] = {
        "id": app_id,
        "cmd": body.get("cmd"),
        "args": body.get("args") or None,
        "user": body.get("user"),
        "env": body.get("env") or {},
        **_numbers(body),
        "executor": body.get("executor", ""),
        "constraints": _constraints(body.get("constraints") or []),
        "uris": [f["uri"] for f in fetch],
        "fetch": fetch,
        "storeUrls": body.get("storeUrls") or [],
        "backoffSeconds": int(body.get("backoffSeconds", 1)),
        "backoffFactor": float(body.get("backoffFactor", 1.15)),
        "maxLaunchDelaySeconds": int(body.get("maxLaunchDelaySeconds", 3600)),
        "container": container,
        "healthChecks": [_health_check(c, i, bool(definitions)) for i, c in enumerate(body.get("healthChecks") or [])],
        "readinessChecks": [_readiness_check(r) for r in body.get("readinessChecks") or []],
        "dependencies": [validate_path_id(d, "/dependencies", parent) for d in body.get("dependencies") or []],
        "upgradeStrategy": _strategy(body),
        "labels": body.get("labels") or {},
        "ipAddress": body.get("ipAddress"),
        "version": None,
        "residency": body.get("residency"),
        "secrets": _secrets(body.get("secrets") or {}),
        "taskKillGracePeriodSeconds": body.get("taskKillGracePeriodSeconds"),
        "unreachableStrategy": _unreachable(body.get("unreachableStrategy")),
        "killSelection": kill_selection,
    }
    if body.get("acceptedResourceRoles"):
        definition["acceptedResourceRoles"] = body["acceptedResourceRoles"]
    definition["ports"] = [d["port"] for d in definitions]
    definition["portDefinitions"] = definitions
    definition["requirePorts"] = bool(body.get("requirePorts", False))
    return definition


def _definition_of_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"port": mapping["servicePort"], "protocol": mapping["protocol"]}
    if "name" in mapping:
        entry["name"] = mapping["name"]
    entry["labels"] = {}
    return entry


def validation_errors(app: dict[str, Any]) -> list[dict[str, Any]]:
    """Marathon's 422 ``details`` for a normalized definition (empty when valid)."""
    found: list[tuple[str, str]] = []
    if (app["cmd"] is not None and app["args"]) or (app["cmd"] is None and not app["args"] and not app["container"]):
        found.append(("/", CMD_ARGS_CONTAINER))
    if app["cmd"] == "":
        found.append(("/cmd", "must not be empty"))
    for key in ("instances", "cpus", "mem", "disk", "gpus", "backoffSeconds", "maxLaunchDelaySeconds"):
        if app[key] < 0:
            found.append((f"/{key}", f"got {_num_text(app[key])}, expected 0 or more"))
    if app["backoffFactor"] < 1.0:
        found.append(("/backoffFactor", f"got {_num_text(app['backoffFactor'])}, expected 1.0 or more"))
    for key, value in app["upgradeStrategy"].items():
        if not 0.0 <= value <= 1.0:
            found.append((f"/upgradeStrategy/{key}", f"got {_num_text(value)}, expected between 0.0 and 1.0"))
    if not EXECUTOR.fullmatch(app["executor"]):
        found.append(("/executor", f"must fully match regular expression '{EXECUTOR.pattern}'"))
    found.extend(("/constraints", e) for e in _constraint_errors(app["constraints"]))
    found.extend(_port_errors(app))
    found.extend(_container_errors(app["container"]))
    found.extend(_health_errors(app))
    found.extend(_readiness_errors(app))
    if app["labels"].get("MARATHON_SINGLE_INSTANCE_APP") == "true":
        strategy = app["upgradeStrategy"]
        if app["instances"] > 1 or strategy["minimumHealthCapacity"] != 0 or strategy["maximumOverCapacity"] != 0:
            found.append(("/", "Single instance app may only have one instance and an upgrade strategy of 0/0"))
    details: dict[str, list[str]] = {}
    for path, message in found:
        details.setdefault(path, []).append(message)
    return [{"path": path, "errors": messages} for path, messages in details.items()]


def _port_errors(app: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    definitions = app["portDefinitions"]
    numbers = [d["port"] for d in definitions if d["port"]]
    if len(numbers) != len(set(numbers)):
        found.append(("/portDefinitions", "Ports must be unique."))
    names = [d["name"] for d in definitions if "name" in d]
    if len(names) != len(set(names)):
        found.append(("/portDefinitions", "Port names must be unique."))
    for index, name in enumerate(names):
        if not PORT_NAME.fullmatch(name):
            found.append(
                (f"/portDefinitions({index})/name", f"must fully match regular expression '{PORT_NAME.pattern}'")
            )
    if app["ipAddress"] and app["ports"] and not port_mappings(app):
        found.append(("/", "You cannot specify both an IP address and ports"))
    return found


def _container_errors(container: dict[str, Any] | None) -> list[tuple[str, str]]:
    if container is None:
        return []
    docker = container.get("docker")
    if container["type"] == "DOCKER" and docker is None:
        return [("/container/docker", "must not be empty")]
    found = []
    if docker is not None and not docker["image"]:
        found.append(("/container/docker/image", "must not be empty"))
    for index, param in enumerate((docker or {}).get("parameters", [])):
        if not param["key"]:
            found.append((f"/container/docker/parameters({index})/key", "must not be empty"))
    found.extend(_mapping_errors((docker or {}).get("portMappings", [])))
    for index, volume in enumerate(container["volumes"]):
        if not volume.get("containerPath"):
            found.append((f"/container/volumes({index})/containerPath", "must not be empty"))
    return found


def _mapping_errors(mappings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    found = []
    names = [m["name"] for m in mappings if "name" in m]
    if len(names) != len(set(names)):
        found.append(("/container/docker/portMappings", "Port names must be unique."))
    for index, mapping in enumerate(mappings):
        if "name" in mapping and not PORT_NAME.fullmatch(mapping["name"]):
            path = f"/container/docker/portMappings({index})/name"
            found.append((path, f"must fully match regular expression '{PORT_NAME.pattern}'"))
        for key in ("containerPort", "hostPort", "servicePort"):
            if not 0 <= mapping[key] <= 65535:
                path = f"/container/docker/portMappings({index})/{key}"
                found.append((path, f"got {mapping[key]}, expected between 0 and 65535"))
    return found


def _health_errors(app: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    port_count = len(app["portDefinitions"])
    for index, check in enumerate(app["healthChecks"]):
        path = f"/healthChecks({index})"
        if "portIndex" in check and not 0 <= check["portIndex"] < port_count:
            found.append((path, PORT_INDEX_MESSAGE))
        if check["protocol"] == "COMMAND" and not check["command"]["value"]:
            found.append((f"{path}/command", "must not be empty"))
        for key in ("gracePeriodSeconds", "intervalSeconds", "timeoutSeconds", "maxConsecutiveFailures"):
            if check[key] < 0:
                found.append((f"{path}/{key}", f"got {check[key]}, expected 0 or more"))
    mesos_checks = [c for c in app["healthChecks"] if c["protocol"].startswith("MESOS_")]
    if len(mesos_checks) > 1:
        found.append(("/healthChecks", "AppDefinition can contain at most one Mesos health check."))
    return found


def _readiness_errors(app: dict[str, Any]) -> list[tuple[str, str]]:
    """A readiness check must name one of the app's ports (its portDefinitions or port mapping names)."""
    names = {d["name"] for d in app["portDefinitions"] if "name" in d}
    found = []
    for index, check in enumerate(app["readinessChecks"]):
        if check["portName"] not in names:
            found.append(
                (
                    f"/readinessChecks({index})/portName",
                    f"No port definition reference for portName {check['portName']}",
                )
            )
    return found


def as_input(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored definition as a request body (derived keys dropped), the base of a partial update."""
    body = {k: v for k, v in definition.items() if k not in ("uris", "ports", "version")}
    if port_mappings(definition):
        body.pop("portDefinitions", None)
    return body


def merge_update(definition: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The body of a partial update: the stored definition with the changed top-level keys replaced."""
    base = as_input(definition)
    if changes.get("uris") is not None:
        base.pop("fetch", None)
    if changes.get("ports") is not None:
        base.pop("portDefinitions", None)
    known = {k: v for k, v in changes.items() if k in base or k in ("uris", "ports", "acceptedResourceRoles")}
    return {**base, **known}


def is_scale_only(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when the definitions differ at most in ``instances`` (a ScaleApplication, not a restart)."""
    return all(old.get(k) == new.get(k) for k in set(old) | set(new) if k not in SCALE_KEYS)


def service_port_slots(definition: dict[str, Any]) -> list[int]:
    """The service ports of a definition (0 = still to assign)."""
    mappings = port_mappings(definition)
    if mappings:
        return [m["servicePort"] for m in mappings]
    return [d["port"] for d in definition["portDefinitions"]]


def with_service_ports(definition: dict[str, Any], ports: list[int]) -> dict[str, Any]:
    """A copy of ``definition`` whose service ports are ``ports`` (in mapping/definition order)."""
    updated = dict(definition)
    mappings = port_mappings(definition)
    if mappings:
        docker = dict(definition["container"]["docker"])
        docker["portMappings"] = [{**m, "servicePort": p} for m, p in zip(mappings, ports, strict=True)]
        updated["container"] = {**definition["container"], "docker": docker}
        updated["portDefinitions"] = [_definition_of_mapping(m) for m in docker["portMappings"]]
    else:
        updated["portDefinitions"] = [
            {**d, "port": p} for d, p in zip(definition["portDefinitions"], ports, strict=True)
        ]
    updated["ports"] = list(ports)
    return updated


def min_healthy_and_max_capacity(definition: dict[str, Any], running: int) -> tuple[int, int]:
    """Marathon's rolling-replacement bounds (TaskReplaceActor) for ``running`` active tasks."""
    instances = definition["instances"]
    strategy = definition["upgradeStrategy"]
    min_healthy = math.ceil(instances * strategy["minimumHealthCapacity"])
    max_capacity = math.floor(instances * (1 + strategy["maximumOverCapacity"]))
    if min_healthy == max_capacity and max_capacity <= running:
        max_capacity += 1
    return min_healthy, max_capacity
