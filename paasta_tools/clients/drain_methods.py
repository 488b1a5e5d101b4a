"""Drain methods (§5.4): take a task out of the load balancer before it is killed.

Each method offers ``drain(task)`` (idempotent), ``stop_draining(task)``,
``is_draining(task)`` and ``is_safe_to_kill(task)``; the draining state lives
outside this process (hacheck's spool, an HTTP endpoint), except for ``test``.
A task is anything with ``id``, ``host`` and ``ports``.
"""

from __future__ import annotations

import abc
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol

from paasta_tools.errors import DrainError, InvalidDrainMethodError

HACHECK_TIMEOUT_S = 10
HTTP_DRAIN_TIMEOUT_S = 15


class Task(Protocol):
    id: str
    host: str
    ports: Any


def _user_agent() -> str:
    from paasta_tools.clients.marathon_client import user_agent

    return user_agent()


class DrainMethod(abc.ABC):
    """Base: holds service, instance and nerve namespace; subclasses implement the four calls."""

    def __init__(self, service: str, instance: str, nerve_ns: str, **ignored_params: Any) -> None:
        # Unknown params are ignored as upstream did: the smartstack default {'delay': 60}
        # reaches every method, including noop.
        self.service = service
        self.instance = instance
        self.nerve_ns = nerve_ns

    @abc.abstractmethod
    def drain(self, task: Task) -> None:
        """See the module docstring."""

    @abc.abstractmethod
    def stop_draining(self, task: Task) -> None:
        """See the module docstring."""

    @abc.abstractmethod
    def is_draining(self, task: Task) -> bool:
        """See the module docstring."""

    @abc.abstractmethod
    def is_safe_to_kill(self, task: Task) -> bool:
        """See the module docstring."""


class NoopDrainMethod(DrainMethod):
    """No draining: a task is never draining and always safe to kill."""

    def drain(self, task: Task) -> None:
        return None

    def stop_draining(self, task: Task) -> None:
        return None

    def is_draining(self, task: Task) -> bool:
        return False

    def is_safe_to_kill(self, task: Task) -> bool:
        return True


class TestDrainMethod(DrainMethod):
    """In-process draining for tests: class-level sets of downed and safe-to-kill task ids."""

    __test__ = False  # not a pytest test class
    downed_task_ids: ClassVar[set[str]] = set()
    safe_to_kill_task_ids: ClassVar[set[str]] = set()

    @classmethod
    def mark_arbitrary_task_as_safe_to_kill(cls) -> None:
        """Move one downed task id to the safe-to-kill set."""
        cls.safe_to_kill_task_ids.add(cls.downed_task_ids.pop())

    @classmethod
    def reset(cls) -> None:
        cls.downed_task_ids.clear()
        cls.safe_to_kill_task_ids.clear()

    def drain(self, task: Task) -> None:
        if task.id not in self.safe_to_kill_task_ids:
            self.downed_task_ids.add(task.id)

    def stop_draining(self, task: Task) -> None:
        self.downed_task_ids.discard(task.id)
        self.safe_to_kill_task_ids.discard(task.id)

    def is_draining(self, task: Task) -> bool:
        return task.id in self.downed_task_ids or task.id in self.safe_to_kill_task_ids

    def is_safe_to_kill(self, task: Task) -> bool:
        return task.id in self.safe_to_kill_task_ids


class CrashyDrainDrainMethod(NoopDrainMethod):
    """``drain`` always fails (exercises the kill-on-drain-error path)."""

    def drain(self, task: Task) -> None:
        raise DrainError(f"crashy_drain: intentionally failing to drain task {task.id}")


class CrashyIsSafeToKillDrainMethod(NoopDrainMethod):
    """``is_safe_to_kill`` always fails (exercises the kill-on-check-error path)."""

    def is_safe_to_kill(self, task: Task) -> bool:
        raise DrainError(f"crashy_is_safe_to_kill: intentionally failing for task {task.id}")


_SPOOL_RE = re.compile(
    r"^Service (?P<service>.+?) in (?P<state>.+?) state"
    r"(?: since (?P<since>[0-9.]+))?"
    r"(?: until (?P<until>[0-9.]+))?"
    r"(?:: (?P<reason>.*))?$",
    re.DOTALL,
)


def parse_spool_body(body: str) -> dict[str, Any]:
    """hacheck's non-200 answer ``Service <s> in <state> state[ since F][ until F][: reason]`` as a dict."""
    match = _SPOOL_RE.match(body.strip())
    if match is None:
        raise DrainError(f"hacheck answered with an unparseable spool status: {body.strip()[:200]!r}")
    info = match.groupdict()
    return {
        "service": info["service"],
        "state": info["state"],
        "since": float(info["since"] or 0),
        "until": float(info["until"] or 0),
        "reason": info["reason"],
    }


class HacheckDrainMethod(DrainMethod):
    """Mark the task down in the hacheck on its host; safe to kill ``delay`` s after going down."""

    def __init__(
        self,
        service: str,
        instance: str,
        nerve_ns: str,
        delay: float = 120,
        hacheck_port: int = 6666,
        expiration: float = 0,
        session: Any = None,
        clock: Callable[[], float] = time.time,
        **ignored_params: Any,
    ) -> None:
        super().__init__(service, instance, nerve_ns)
        self.delay = float(delay)
        self.hacheck_port = int(hacheck_port)
        self.expiration = float(expiration) or self.delay * 10
        self.clock = clock
        self._session = session

    @property
    def session(self) -> Any:
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = _user_agent()
        return self._session

    def spool_url(self, task: Task) -> str | None:
        """``http://<host>:<hacheck_port>/spool/<service>.<nerve_ns>/<first port>/status``; None without ports."""
        if not task.ports:
            return None
        return f"http://{task.host}:{self.hacheck_port}/spool/{self.service}.{self.nerve_ns}/{task.ports[0]}/status"

    def _post_spool(self, task: Task, status: str) -> None:
        url = self.spool_url(task)
        if url is None:
            return
        if status == "up":
            data = {"status": "up"}
        else:
            data = {
                "status": "down",
                "expiration": str(self.clock() + self.expiration),
                "reason": "Drained by Paasta",
            }
        response = self._request("POST", url, data=data)
        if response.status_code >= 400:
            raise DrainError(f"hacheck at {url} refused status={status}: HTTP {response.status_code}")

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        import requests

        try:
            return self.session.request(method, url, timeout=HACHECK_TIMEOUT_S, **kwargs)
        except requests.RequestException as exc:
            raise DrainError(f"hacheck at {url} did not answer: {exc}") from exc

    def get_spool(self, task: Task) -> dict[str, Any] | None:
        """``{'state': 'up'}`` on 200, else the parsed spool status; None when the task has no port."""
        url = self.spool_url(task)
        if url is None:
            return None
        response = self._request("GET", url)
        if response.status_code == 200:
            return {"state": "up"}
        return parse_spool_body(response.text)

    def drain(self, task: Task) -> None:
        self._post_spool(task, "down")

    def stop_draining(self, task: Task) -> None:
        self._post_spool(task, "up")

    def is_draining(self, task: Task) -> bool:
        info = self.get_spool(task)
        return info is not None and info["state"] != "up"

    def is_safe_to_kill(self, task: Task) -> bool:
        info = self.get_spool(task)
        if info is None or info["state"] == "up":
            return False
        return info.get("since", 0) < self.clock() - self.delay


def parse_success_codes(success_codes: str | int) -> frozenset[int]:
    """``"200-399,407,500"`` -> the set of every code in those ranges."""
    codes: set[int] = set()
    try:
        for part in str(success_codes).split(","):
            start, sep, end = part.strip().partition("-")
            codes.update(range(int(start), int(end) + 1) if sep else (int(start),))
    except ValueError:
        raise InvalidDrainMethodError(
            f"drain_method_params: success_codes {success_codes!r} is not like '200-399,407'"
        ) from None
    return frozenset(codes)


_HTTP_ACTIONS = ("drain", "stop_draining", "is_draining", "is_safe_to_kill")


class HTTPDrainMethod(DrainMethod):
    """Call user-defined URLs for each action; ``{host, port, service, instance, nerve_ns}`` are formatted in."""

    def __init__(self, service: str, instance: str, nerve_ns: str, session: Any = None, **specs: Any) -> None:
        unknown = set(specs) - set(_HTTP_ACTIONS)
        missing = [a for a in _HTTP_ACTIONS if a not in specs]
        if unknown or missing:
            raise InvalidDrainMethodError(
                f"drain_method_params of the http drain method for {service}.{instance} need exactly "
                f"{', '.join(_HTTP_ACTIONS)} (missing: {', '.join(missing) or '-'}; "
                f"unknown: {', '.join(sorted(unknown)) or '-'})"
            )
        super().__init__(service, instance, nerve_ns)
        self.specs = {action: self._check_spec(action, specs[action]) for action in _HTTP_ACTIONS}
        self._session = session

    @staticmethod
    def _check_spec(action: str, spec: Any) -> dict[str, Any]:
        if not isinstance(spec, Mapping) or not isinstance(spec.get("url_format"), str):
            raise InvalidDrainMethodError(f"drain_method_params.{action} needs a 'url_format' string, got {spec!r}")
        return {
            "url_format": spec["url_format"],
            "method": str(spec.get("method", "GET")).upper(),
            "success_codes": parse_success_codes(spec.get("success_codes", "200-399")),
        }

    def format_url(self, url_format: str, task: Task) -> str:
        params = {
            "host": task.host,
            "port": task.ports[0] if task.ports else "",
            "service": self.service,
            "instance": self.instance,
            "nerve_ns": self.nerve_ns,
        }
        try:
            return url_format.format(**params)
        except (KeyError, IndexError, ValueError) as exc:
            raise InvalidDrainMethodError(
                f"drain_method_params url_format {url_format!r} can only use {{host}}, {{port}}, {{service}}, "
                f"{{instance}}, {{nerve_ns}} ({exc!r})"
            ) from None

    def _issue(self, action: str, task: Task) -> bool:
        import requests

        spec = self.specs[action]
        url = self.format_url(spec["url_format"], task)
        session = self._session or requests
        try:
            response = session.request(
                spec["method"], url, headers={"User-Agent": _user_agent()}, timeout=HTTP_DRAIN_TIMEOUT_S
            )
        except requests.RequestException as exc:
            raise DrainError(f"{action} request {spec['method']} {url} failed: {exc}") from exc
        return response.status_code in spec["success_codes"]

    def _must(self, action: str, task: Task) -> None:
        if not self._issue(action, task):
            raise DrainError(f"{action} of task {task.id}: {self.specs[action]['url_format']} gave an unaccepted code")

    def drain(self, task: Task) -> None:
        self._must("drain", task)

    def stop_draining(self, task: Task) -> None:
        self._must("stop_draining", task)

    def is_draining(self, task: Task) -> bool:
        return self._issue("is_draining", task)

    def is_safe_to_kill(self, task: Task) -> bool:
        return self._issue("is_safe_to_kill", task)


DRAIN_METHODS: Mapping[str, type[DrainMethod]] = {
    "noop": NoopDrainMethod,
    "test": TestDrainMethod,
    "crashy_drain": CrashyDrainDrainMethod,
    "crashy_is_safe_to_kill": CrashyIsSafeToKillDrainMethod,
    "hacheck": HacheckDrainMethod,
    "http": HTTPDrainMethod,
}


def list_drain_methods() -> list[str]:
    """The valid drain_method names, sorted."""
    return sorted(DRAIN_METHODS)


def get_drain_method(
    name: str,
    service: str,
    instance: str,
    nerve_ns: str,
    drain_method_params: Mapping[str, Any] | None = None,
) -> DrainMethod:
    """The drain method ``name`` for service.instance, built with ``drain_method_params``."""
    cls = DRAIN_METHODS.get(name)
    if cls is None:
        raise InvalidDrainMethodError(
            f"drain_method not recognized: {name}. Must be one of ({', '.join(list_drain_methods())})"
        )
    params = dict(drain_method_params or {})
    try:
        return cls(service, instance, nerve_ns, **params)
    except (TypeError, ValueError) as exc:
        raise InvalidDrainMethodError(
            f"drain_method_params for {service}.{instance} (drain_method {name}): {exc}"
        ) from None
