"""The one Marathon client factory, and thin helpers over marathon-python.

marathon-python 0.13.0 encodes nested models with ``collections.Iterable``,
removed in Python 3.10; the alias is installed once here, before any client
exists, so every app with a container or health checks can be posted.
Helpers return the plain frozen data of ``paasta_tools.marathon.tasks``.
"""

from __future__ import annotations

import collections
import collections.abc
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from paasta_tools import __version__
from paasta_tools.errors import MarathonError
from paasta_tools.marathon.deploy_status import QueueStatus, queue_status_from_json
from paasta_tools.marathon.tasks import MarathonAppState, app_state_from_json

if TYPE_CHECKING:
    from marathon import MarathonClient
    from marathon.models import MarathonApp

DEFAULT_TIMEOUT_S = 30


def _apply_python311_fix() -> None:
    if not hasattr(collections, "Iterable"):
        collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]


def user_agent(argv0: str | None = None) -> str:
    """``PaaSTA Tools <version> <basename of argv[0]>``."""
    program = os.path.basename(argv0 if argv0 is not None else (sys.argv[0] if sys.argv else ""))
    return f"PaaSTA Tools {__version__} {program}"


def get_marathon_client(
    url: str | Sequence[str],
    user: str | None = None,
    password: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> MarathonClient:
    """A marathon-python client for one URL or a priority-ordered list of URLs (failover on connection errors)."""
    _apply_python311_fix()
    import requests
    from marathon import MarathonClient

    urls = [url] if isinstance(url, str) else list(url)
    if not urls or not all(isinstance(u, str) and u for u in urls):
        raise MarathonError(f"marathon_config url must be a URL or a list of URLs, got {url!r}")
    session = requests.Session()
    session.headers["User-Agent"] = user_agent()
    return MarathonClient(urls, username=user, password=password, timeout=timeout, session=session)


def get_marathon_client_from_config(marathon_config: Mapping[str, Any], timeout: float = DEFAULT_TIMEOUT_S):
    """The client for the system config's ``marathon_config`` dict ``{url, user, password}``."""
    if not marathon_config or "url" not in marathon_config:
        raise MarathonError("Marathon is not configured: system config key 'marathon_config' has no 'url'")
    return get_marathon_client(
        marathon_config["url"], marathon_config.get("user"), marathon_config.get("password"), timeout=timeout
    )


def _call(what: str, func, *args, **kwargs):
    from marathon.exceptions import NoResponseError

    try:
        return func(*args, **kwargs)
    except NoResponseError as exc:
        raise MarathonError(f"Marathon did not answer ({what}): {exc}") from exc


def _get_json(client: MarathonClient, path: str, params: Any = None) -> Any:
    """GET through the client's request path (failover, auth, User-Agent, HTTP errors as exceptions).

    Reads the JSON directly: building marathon-python models for every app and
    task costs ~20x the request itself on a big cluster.
    """
    return _call(f"GET {path}", client._do_request, "GET", path, params=params).json()


def list_apps(client: MarathonClient, embed_tasks: bool = False) -> list[MarathonAppState]:
    """Every app (one ``GET /v2/apps``), with tasks and lastTaskFailure when ``embed_tasks``."""
    embed = ["apps.counts"] + (["apps.tasks", "apps.lastTaskFailure"] if embed_tasks else [])
    data = _get_json(client, "/v2/apps", params={"embed": embed})
    return [app_state_from_json(app) for app in data.get("apps") or []]


def list_app_documents(client: MarathonClient, id_filter: str) -> list[dict[str, Any]]:
    """Marathon's JSON of the apps whose id contains ``id_filter``, with counts, tasks and lastTaskFailure."""
    params = {"id": id_filter, "embed": ["apps.counts", "apps.tasks", "apps.lastTaskFailure"]}
    return list(_get_json(client, "/v2/apps", params=params).get("apps") or [])


def get_app(client: MarathonClient, app_id: str) -> MarathonAppState | None:
    """One app with its tasks, or None when Marathon does not know it."""
    from marathon.exceptions import NotFoundError

    try:
        data = _get_json(client, "/v2/apps/" + app_id.lstrip("/"), params={"embed": ["app.tasks", "app.counts"]})
    except NotFoundError:
        return None
    return app_state_from_json(data["app"])


def app_exists(client: MarathonClient, app_id: str) -> bool:
    """True if Marathon has an app with this id."""
    return get_app(client, app_id) is not None


def to_marathon_app(app_dict: Mapping[str, Any]) -> MarathonApp:
    """A marathon-python MarathonApp from the snake_case app dict (nested dicts become models)."""
    _apply_python311_fix()
    from marathon.models import MarathonApp

    fields = {k: v for k, v in app_dict.items() if k != "id"}
    # marathon-python wants a COMMAND check's command as a string and wraps it in {"value": ...} itself
    fields["health_checks"] = [
        {**check, "command": check["command"]["value"]} if isinstance(check.get("command"), Mapping) else check
        for check in fields.get("health_checks") or []
    ]
    return MarathonApp(**fields)


def create_app(client: MarathonClient, app_dict: Mapping[str, Any]) -> None:
    """POST the app; ``marathon.exceptions.ConflictError`` (409) propagates: another run created it."""
    app_id = app_dict["id"]
    created = _call(f"create app {app_id}", client.create_app, app_id, to_marathon_app(app_dict))
    if created is False:
        raise MarathonError(f"Marathon did not create app {app_id} (no 201 Created)")


def scale_app(client: MarathonClient, app_id: str, instances: int, force: bool = True) -> None:
    """Set the app's instance count."""
    _call(f"scale app {app_id}", client.scale_app, app_id, instances=instances, force=force)


def delete_app(client: MarathonClient, app_id: str, force: bool = True) -> None:
    """Delete the app (its tasks are killed by Marathon)."""
    _call(f"delete app {app_id}", client.delete_app, app_id, force=force)


def kill_given_tasks(client: MarathonClient, task_ids: Iterable[str], scale: bool = True, force: bool = True) -> bool:
    """Kill tasks (scaling their apps down by default); ids Marathon calls "not valid" are no error."""
    from marathon.exceptions import MarathonHttpError

    ids = sorted(set(task_ids))
    if not ids:
        return False
    try:
        return bool(_call("kill tasks", client.kill_given_tasks, ids, scale=scale, force=force))
    except MarathonHttpError as exc:
        if exc.status_code == 422 and "is not valid" in (exc.error_message or ""):
            return False
        raise


def list_deployments(client: MarathonClient) -> list[dict[str, Any]]:
    """The running deployments (``GET /v2/deployments``) as Marathon's JSON documents."""
    return list(_get_json(client, "/v2/deployments") or [])


def delete_deployment(client: MarathonClient, deployment_id: str, force: bool = False) -> None:
    """Cancel a deployment: without ``force`` Marathon rolls its apps back, with it they stay as they are."""
    _call(f"delete deployment {deployment_id}", client.delete_deployment, deployment_id, force=force)


def list_queue(client: MarathonClient) -> list[QueueStatus]:
    """The launch queue (``GET /v2/queue``) as QueueStatus entries."""
    return [queue_status_from_json(item) for item in _get_json(client, "/v2/queue").get("queue") or []]
