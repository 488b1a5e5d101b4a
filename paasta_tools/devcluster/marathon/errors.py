"""The errors a Marathon API handler answers with: an HTTP status and Marathon's error body."""

from __future__ import annotations

from typing import Any

from paasta_tools.errors import PaastaError


class MarathonApiError(PaastaError):
    """A refused request; ``body`` is the exact JSON Marathon 1.4 sends with ``status``."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {body.get('message')}")
        self.status = status
        self.body = body


def not_found(message: str) -> MarathonApiError:
    return MarathonApiError(404, {"message": message})


def app_not_found(app_id: str, version: str | None = None) -> MarathonApiError:
    suffix = f" in version {version}" if version else ""
    return not_found(f"App '{app_id}' does not exist{suffix}")


def bad_request(message: str) -> MarathonApiError:
    return MarathonApiError(400, {"message": message})


def invalid_json(details: Any) -> MarathonApiError:
    """play-json's 400: ``details`` is a list of {path, errors} or the parser's text."""
    return MarathonApiError(400, {"message": "Invalid JSON", "details": details})


def not_valid(details: list[dict[str, Any]]) -> MarathonApiError:
    """The 422 of Marathon's semantic validation."""
    return MarathonApiError(422, {"message": "Object is not valid", "details": details})


def locked(deployment_ids: list[str]) -> MarathonApiError:
    first = deployment_ids[0]
    message = (
        "App is locked by one or more deployments. Override with the option '?force=true'. "
        f"View details at '/v2/deployments/{first}'."
    )
    return MarathonApiError(409, {"message": message, "deployments": [{"id": d} for d in deployment_ids]})
