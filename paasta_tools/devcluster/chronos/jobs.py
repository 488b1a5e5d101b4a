"""Chronos 2.5 job documents: the deserializer's defaults and the serializer's field order.

A job is kept as the JSON object Chronos 2.5 would serialize (every field present, in its order),
so listing, persisting and replacing jobs all use one shape.  Input is read as Jackson's lenient
``asText``/``asInt``/``asBoolean`` read it: ``"owner": null`` becomes ``"null"``, ``"retries": "3"`` is 3.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from paasta_tools.devcluster.chronos.schedules import can_parse, format_period, format_start, parse_period

# Chronos 2.x JobUtils.jobNamePattern; Java's \w and \s are ASCII-only.
JOB_NAME_PATTERN = r"([\w\s\.#_-]+)"
_JOB_NAME_RE = re.compile(JOB_NAME_PATTERN, re.ASCII)
RUN_ONCE_NOW = "R1//PT24H"
DEFAULT_EPSILON = "PT60S"  # --task_epsilon 60
DEFAULT_CPUS, DEFAULT_MEM, DEFAULT_DISK = 0.1, 128.0, 256.0  # --mesos_task_cpu/mem/disk
DEFAULT_USER = "root"  # --user
CONSTRAINT_OPERATORS = ("EQUALS", "LIKE", "UNLIKE")
# Chronos 2.5 knows BRIDGE and HOST; the fork PaaSTA ran also took NONE (``net: none``).
NETWORK_MODES = ("BRIDGE", "HOST", "NONE")
VOLUME_MODES = ("RW", "RO")


class ChronosRequestError(Exception):
    """A request Chronos answers with ``status`` and a plain-text ``body`` (possibly empty)."""

    def __init__(self, status: int, body: str = "") -> None:
        super().__init__(body or f"HTTP {status}")
        self.status = status
        self.body = body


def bad_request(message: str = "") -> ChronosRequestError:
    return ChronosRequestError(400, message)


def requirement_failed(message: str) -> ChronosRequestError:
    """Scala ``require`` failing: a 400 whose text starts with ``requirement failed:``."""
    return ChronosRequestError(400, f"requirement failed: {message}")


def is_valid_job_name(name: str) -> bool:
    return _JOB_NAME_RE.fullmatch(name) is not None


def as_text(value: Any) -> str:
    """Jackson ``JsonNode.asText``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_text(value)
    return ""


def java_double_text(value: float) -> str:
    """Java ``Double.toString``: ``2.5``, ``1.0``, ``1.0E7``, ``1.5E-5``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        return repr(value)
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = len(digits) + int(exponent) - 1
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"


def as_number(value: Any, convert: Callable[[Any], Any]) -> Any:
    """Jackson ``asInt``/``asLong``/``asDouble``: numbers converted, numeric text parsed, else 0."""
    if isinstance(value, bool):
        value = 1 if value else 0
    elif isinstance(value, str):
        value = value.strip()
    elif not isinstance(value, int | float):
        value = 0
    try:
        return convert(float(value) if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return convert(0)


def as_bool(value: Any) -> bool:
    """Jackson ``asBoolean``: true, non-zero integers and the text "true"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        return value.strip() == "true"
    return False


def _elements(value: Any) -> list[Any]:
    """What iterating a Jackson node yields: array items, object values, nothing for scalars."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return []


def _required(node: Any, key: str, where: str) -> Any:
    if not isinstance(node, dict) or key not in node:
        raise bad_request(f"Missing required field '{key}' in {where}")
    return node[key]


def _parse_fetch(value: Any) -> list[dict[str, Any]]:
    fetch = []
    for item in _elements(value):
        if not isinstance(item, dict):
            raise bad_request("Each 'fetch' entry must be an object")
        fetch.append(
            {
                "uri": as_text(item["uri"]) if "uri" in item else "",
                "executable": as_bool(item.get("executable", False)),
                "cache": as_bool(item.get("cache", False)),
                "extract": as_bool(item.get("extract", False)),
            }
        )
    return fetch


def _parse_pairs(value: Any, field: str, key: str, val: str) -> list[dict[str, str]]:
    pairs = []
    for item in _elements(value):
        if not isinstance(item, dict):
            raise bad_request(f"Each '{field}' entry must be an object")
        pairs.append({key: as_text(_required(item, key, field)), val: as_text(_required(item, val, field))})
    return pairs


def _parse_volume(item: Any) -> dict[str, str]:
    if not isinstance(item, dict):
        raise bad_request("Each 'container.volumes' entry must be an object")
    volume = {}
    if "hostPath" in item:
        volume["hostPath"] = as_text(item["hostPath"])
    volume["containerPath"] = as_text(_required(item, "containerPath", "container.volumes"))
    if "mode" in item:
        mode = as_text(item["mode"]).upper()
        if mode not in VOLUME_MODES:
            raise bad_request(f"No enum constant for volume mode '{mode}' (expected one of {', '.join(VOLUME_MODES)})")
        volume["mode"] = mode
    return volume


def _parse_container(node: Any) -> dict[str, Any]:
    """2.x containers: any input ``type`` means Docker; output ``type`` is lowercase ``docker``."""
    if not isinstance(node, dict):
        raise bad_request("'container' must be an object")
    network = as_text(node["network"]) if "network" in node else "HOST"
    if network not in NETWORK_MODES:
        raise bad_request(f"No enum constant for network '{network}' (expected one of {', '.join(NETWORK_MODES)})")
    force_pull = as_text(node.get("forcePullImage", False)).lower() == "true"
    return {
        "type": "docker",
        "image": as_text(_required(node, "image", "container")),
        "network": network,
        "volumes": [_parse_volume(item) for item in _elements(node.get("volumes"))],
        "forcePullImage": force_pull,
        "parameters": _parse_pairs(node.get("parameters"), "container.parameters", "key", "value"),
    }


def _parse_constraints(value: Any) -> list[list[str]]:
    constraints = []
    for item in _elements(value):
        if not isinstance(item, list) or len(item) < 3:
            raise bad_request("Each constraint must be a list [attribute, operator, value]")
        operator = as_text(item[1])
        if operator in CONSTRAINT_OPERATORS:  # Chronos silently drops unknown operators
            constraints.append([as_text(item[0]), operator, as_text(item[2])])
    return constraints


def _text_or(node: dict[str, Any], key: str, default: str) -> str:
    return as_text(node[key]) if key in node else default


def _resource(node: dict[str, Any], key: str, default: float) -> float:
    value = as_number(node.get(key), float)
    return float(value) if value != 0 else default


def _parse_epsilon(node: dict[str, Any]) -> str:
    text = _text_or(node, "epsilon", DEFAULT_EPSILON)
    try:
        return format_period(parse_period(text))
    except ValueError as exc:
        raise bad_request(f"Invalid epsilon '{text}': {exc}") from exc


def parse_job(body: Any) -> dict[str, Any]:
    """Read a posted job as the 2.5 deserializer does; return it in the serializer's shape and order.

    Raises ChronosRequestError(400) when the body is not a job at all.
    """
    if not isinstance(body, dict):
        raise bad_request("Job must be a JSON object")
    name = as_text(_required(body, "name", "job"))
    command = as_text(_required(body, "command", "job"))
    job: dict[str, Any] = {
        "name": name,
        "command": command,
        "shell": as_bool(body["shell"]) if "shell" in body else True,
        "epsilon": _parse_epsilon(body),
        "executor": _text_or(body, "executor", ""),
        "executorFlags": _text_or(body, "executorFlags", ""),
        "taskInfoData": _text_or(body, "taskInfoData", ""),
        "retries": as_number(body["retries"], int) if "retries" in body else 2,
        "owner": _text_or(body, "owner", ""),
        "ownerName": _text_or(body, "ownerName", ""),
        "description": _text_or(body, "description", ""),
        "async": as_bool(body.get("async", False)),
        "successCount": as_number(body.get("successCount", 0), int),
        "errorCount": as_number(body.get("errorCount", 0), int),
        "lastSuccess": _text_or(body, "lastSuccess", ""),
        "lastError": _text_or(body, "lastError", ""),
        "cpus": _resource(body, "cpus", DEFAULT_CPUS),
        "disk": _resource(body, "disk", DEFAULT_DISK),
        "mem": _resource(body, "mem", DEFAULT_MEM),
        "disabled": as_bool(body.get("disabled", False)),
        "softError": as_bool(body.get("softError", False)),
        "dataProcessingJobType": as_bool(body.get("dataProcessingJobType", False)),
        "errorsSinceLastSuccess": as_number(body.get("errorsSinceLastSuccess", 0), int),
        "fetch": _parse_fetch(body.get("fetch")),
        "uris": [as_text(uri) for uri in _elements(body.get("uris"))],
        "environmentVariables": _parse_pairs(body.get("environmentVariables"), "environmentVariables", "name", "value"),
        "arguments": [as_text(argument) for argument in _elements(body.get("arguments"))],
        "highPriority": as_bool(body.get("highPriority", False)),
        "runAsUser": _text_or(body, "runAsUser", DEFAULT_USER),
    }
    if "container" in body:
        job["container"] = _parse_container(body["container"])
    job["constraints"] = _parse_constraints(body.get("constraints"))
    if "parents" in body:
        job["parents"] = list(dict.fromkeys(as_text(parent) for parent in _elements(body["parents"])))
    else:
        job["schedule"] = _text_or(body, "schedule", RUN_ONCE_NOW)
        job["scheduleTimeZone"] = _text_or(body, "scheduleTimeZone", "")
    return job


def is_dependent(job: dict[str, Any]) -> bool:
    return "parents" in job


def validate_scheduled(job: dict[str, Any], existing: dict[str, Any] | None, now: datetime) -> None:
    """The checks of ``POST /scheduler/iso8601`` (2.x): name for new jobs, then the schedule."""
    if is_dependent(job):
        raise bad_request("A job with 'parents' must be posted to /scheduler/dependency")
    if existing is None and not is_valid_job_name(job["name"]):
        raise requirement_failed(f"the job's name is invalid. Allowed names: '{JOB_NAME_PATTERN}'")
    if job["uris"] and job["fetch"]:
        raise requirement_failed("a job cannot have both 'uris' and 'fetch'")
    if not can_parse(job["schedule"], job["scheduleTimeZone"], now):
        raise bad_request()  # 2.x answers an unparseable schedule with an empty 400


def validate_dependent(job: dict[str, Any], existing: dict[str, Any] | None, known: Iterable[str]) -> None:
    """The checks of ``POST /scheduler/dependency`` (2.x)."""
    if not is_dependent(job):
        raise bad_request("A job without 'parents' must be posted to /scheduler/iso8601")
    if existing is None and not is_valid_job_name(job["name"]):
        raise requirement_failed(f"the job's name is invalid. Allowed names: '{JOB_NAME_PATTERN}'")
    if job["uris"] and job["fetch"]:
        raise requirement_failed("a job cannot have both 'uris' and 'fetch'")
    if not job["parents"]:
        raise ChronosRequestError(500)  # "Error, parent does not exist", a plain Exception in 2.x
    names = set(known)
    if any(parent not in names for parent in job["parents"]):
        raise requirement_failed(f"Job {job['name']} does not have all parents defined!")


def listing_view(job: dict[str, Any]) -> dict[str, Any]:
    """``GET /scheduler/jobs`` mirrors ``fetch`` and ``uris`` into each other (listing only)."""
    view = dict(job)
    if not job["fetch"]:
        view["fetch"] = [{"uri": uri, "executable": False, "cache": False, "extract": False} for uri in job["uris"]]
    else:
        view["uris"] = [item["uri"] for item in job["fetch"]]
    return view


def search_jobs(
    jobs: Iterable[dict[str, Any]], name: str | None, command: str | None, any_: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """``GET /scheduler/jobs/search``: name and command substrings ANDed; ``any`` can re-admit a job."""
    found = []
    for job in jobs:
        valid = True
        if name and name.lower() not in job["name"].lower():
            valid = False
        if command and command.lower() not in job["command"].lower():
            valid = False
        if not valid and any_ and (any_.lower() in job["name"].lower() or any_.lower() in job["command"].lower()):
            valid = True
        if valid:
            found.append(job)
    start, end = max(offset, 0), min(offset + limit, len(found))  # Scala's List.slice clamps
    return found[start:end] if end > start else []


def last_run_status(job: dict[str, Any]) -> str:
    """fresh, success or failure, from lastSuccess/lastError (graph CSV)."""
    success, error = job["lastSuccess"], job["lastError"]
    if not success and not error:
        return "fresh"
    if not success:
        return "failure"
    if not error:
        return "success"
    try:
        return "success" if parse_timestamp(success) > parse_timestamp(error) else "failure"
    except ValueError:
        return "failure"


def parse_timestamp(text: str) -> datetime:
    """A Chronos timestamp (``2014-03-08T16:57:17.507Z``) as an aware datetime."""
    return datetime.fromisoformat(text)


def format_timestamp(moment: datetime) -> str:
    """``DateTime.now(DateTimeZone.UTC).toString``: UTC, milliseconds, ``Z``."""
    return format_start(moment.astimezone(UTC))
