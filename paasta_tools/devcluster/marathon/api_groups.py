"""``/v2/groups`` basics: the group tree derived from app ids; create, update (apps, scaleBy), delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from paasta_tools.devcluster.marathon.errors import MarathonApiError, invalid_json, not_found, not_valid
from paasta_tools.devcluster.marathon.http import (
    MarathonService,
    deployment_response,
    flag,
    json_response,
    read_json,
    service,
)
from paasta_tools.devcluster.marathon.ids import canonical_path, validate_path_id
from paasta_tools.devcluster.marathon.operations import Change, classify
from paasta_tools.devcluster.marathon.state import Action, App
from paasta_tools.devcluster.marathon.views import Renderer, embeds


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


def group_json(group_id: str, apps: list[App], renderer: Renderer, wanted: set[str]) -> dict[str, Any]:
    """The group ``group_id`` with its apps and sub-groups (recursively); apps must all lie below it."""
    prefix = "" if group_id == "/" else group_id
    direct = [a for a in apps if _parent(a.id) == group_id]
    children = sorted(
        {prefix + "/" + a.id[len(prefix) + 1 :].split("/", 1)[0] for a in apps if _parent(a.id) != group_id}
    )
    versions = [a.version for a in apps]
    return {
        "id": group_id,
        "apps": [renderer.app(a, wanted) for a in direct],
        "groups": [group_json(c, [a for a in apps if a.id.startswith(c + "/")], renderer, wanted) for c in children],
        "pods": [],
        "dependencies": [],
        "version": max(versions) if versions else renderer.version,
    }


def _apps_under(svc: MarathonService, group_id: str) -> list[App]:
    prefix = "/" if group_id == "/" else group_id + "/"
    return [a for a in svc.state.apps.values() if a.id.startswith(prefix)]


def _group_embeds(request: web.Request) -> set[str]:
    return embeds(v for v in request.query.getall("embed", []) if v.startswith("group.apps."))


async def get_groups(request: web.Request) -> web.Response:
    """GET /v2/groups[/{id}][/versions]."""
    svc = service(request)
    tail = request.match_info.get("tail", "")
    parts = [p for p in tail.split("/") if p]
    if parts and parts[-1] == "versions":
        group_id = canonical_path("/".join(parts[:-1]))
        apps = _apps_under(svc, group_id)
        if group_id != "/" and not apps:
            raise not_found(f"Group '{group_id}' does not exist")
        return json_response(sorted({a.version for a in apps}, reverse=True))
    group_id = canonical_path(tail)
    apps = _apps_under(svc, group_id)
    if group_id != "/" and not apps:
        raise not_found(f"Group '{group_id}' does not exist")
    renderer = svc.renderer()
    renderer.version = svc.state.clock.next()
    return json_response(group_json(group_id, apps, renderer, _group_embeds(request)))


def _app_changes(svc: MarathonService, group_id: str, body: dict[str, Any]) -> list[Change]:
    raw_apps = body.get("apps") or []
    if not isinstance(raw_apps, list):
        raise invalid_json([{"path": "/apps", "errors": ["error.expected.jsarray"]}])
    changes = []
    for index, raw in enumerate(raw_apps):
        if not isinstance(raw, dict) or "id" not in raw:
            raise invalid_json([{"path": f"/apps({index})/id", "errors": ["error.path.missing"]}])
        app_id = validate_path_id(raw["id"], f"/apps({index})/id", base=group_id)
        if group_id != "/" and not app_id.startswith(group_id + "/"):
            message = f"identifier {app_id} is not child of {group_id}. Hint: use relative paths."
            raise not_valid([{"path": f"/apps({index})/id", "errors": [message]}])
        changes.append(svc.ops.update_change(app_id, raw, partial=False, create=True))
    for sub in body.get("groups") or []:
        if isinstance(sub, dict) and "id" in sub:
            changes.extend(_app_changes(svc, validate_path_id(sub["id"], "/groups/id", base=group_id), sub))
    return changes


async def create_group(request: web.Request) -> web.Response:
    """POST /v2/groups: create a group's apps in one deployment (409 if it exists)."""
    svc = service(request)
    body = await read_json(request)
    if not isinstance(body, dict) or "id" not in body:
        raise invalid_json([{"path": "/id", "errors": ["error.path.missing"]}])
    group_id = validate_path_id(body["id"])
    if _apps_under(svc, group_id):
        raise MarathonApiError(409, {"message": f"Group {group_id} is already created. Use PUT to change this group."})
    deployment = svc.ops.submit(_app_changes(svc, group_id, body), flag(request, "force"))
    return deployment_response(deployment, 201)


async def update_group(request: web.Request) -> web.Response:
    """PUT /v2/groups/{id}: change its apps (removing the unlisted ones) or ``scaleBy``."""
    svc = service(request)
    group_id = canonical_path(request.match_info["tail"])
    body = await read_json(request)
    if not isinstance(body, dict):
        raise invalid_json([{"path": "/", "errors": ["error.expected.jsobject"]}])
    existing = _apps_under(svc, group_id)
    if "scaleBy" in body:
        factor = body["scaleBy"]
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            raise invalid_json([{"path": "/scaleBy", "errors": ["error.expected.jsnumber"]}])
        changes = []
        for app in existing:
            new = {**app.definition, "instances": int(round(app.definition["instances"] * factor))}
            changes.append(Change(app.id, app.definition, new, classify(app.definition, new)))
    else:
        changes = _app_changes(svc, group_id, body)
        kept = {c.app_id for c in changes}
        if "apps" in body:
            changes += [Change(a.id, a.definition, None, Action.STOP) for a in existing if a.id not in kept]
    return deployment_response(svc.ops.submit(changes, flag(request, "force")))


async def delete_group(request: web.Request) -> web.Response:
    """DELETE /v2/groups/{id}: stop every app below it."""
    svc = service(request)
    group_id = canonical_path(request.match_info["tail"])
    apps = _apps_under(svc, group_id)
    if group_id != "/" and not apps:
        raise not_found(f"Group '{group_id}' does not exist")
    changes = [Change(a.id, a.definition, None, Action.STOP) for a in apps]
    return deployment_response(svc.ops.submit(changes, flag(request, "force", True)))


def add_routes(app: web.Application) -> None:
    """Register the /v2/groups routes."""
    app.router.add_get("/v2/groups", get_groups)
    app.router.add_post("/v2/groups", create_group)
    app.router.add_get("/v2/groups/{tail:.*}", get_groups)
    app.router.add_put("/v2/groups/{tail:.*}", update_group)
    app.router.add_delete("/v2/groups/{tail:.*}", delete_group)
