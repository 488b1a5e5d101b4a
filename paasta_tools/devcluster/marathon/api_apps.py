"""``/v2/apps``: CRUD, restart, versions, app tasks and task kills.

App ids contain slashes (and marathon-python sends ``/v2/apps//foo``), so one catch-all route per
method parses the rest of the path the way Marathon's resources match it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from paasta_tools.devcluster.marathon.errors import app_not_found, bad_request, invalid_json, not_found
from paasta_tools.devcluster.marathon.http import (
    MarathonService,
    deployment_response,
    flag,
    json_response,
    json_text_response,
    read_json,
    service,
)
from paasta_tools.devcluster.marathon.ids import app_id_of_task, canonical_path, validate_path_id
from paasta_tools.devcluster.marathon.model import service_port_slots
from paasta_tools.devcluster.marathon.state import App, Task
from paasta_tools.devcluster.marathon.views import dumps, embeds

SUFFIXES = ("restart", "tasks", "versions")


def split_app_path(tail: str) -> tuple[str, str | None, str | None]:
    """``/a//b/tasks/x`` → (``/a/b``, ``tasks``, ``x``); the id is canonical, no suffix → (id, None, None)."""
    parts = [p for p in tail.split("/") if p]
    if len(parts) >= 2 and parts[-1] in SUFFIXES:
        return canonical_path("/".join(parts[:-1])), parts[-1], None
    if len(parts) >= 3 and parts[-2] in ("tasks", "versions"):
        return canonical_path("/".join(parts[:-2])), parts[-2], parts[-1]
    return canonical_path("/".join(parts)), None, None


def _label_matches(labels: dict[str, str], selector: str) -> bool:
    for term in (t.strip() for t in _split_selector(selector)):
        if not term:
            continue
        for op in ("==", "!=", " notin ", " in "):
            if op in term:
                key, value = (s.strip() for s in term.split(op, 1))
                values = {v.strip() for v in value.strip("()").split(",")} if "in" in op else {value}
                present = key in labels and labels[key] in values
                if (op in ("==", " in ") and not present) or (op in ("!=", " notin ") and present):
                    return False
                break
        else:
            if term not in labels:
                return False
    return True


def _split_selector(selector: str) -> list[str]:
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    return [*terms, current]


async def list_apps(request: web.Request) -> web.Response:
    """GET /v2/apps with ``id``/``cmd``/``label`` filters and ``embed``."""
    svc = service(request)
    wanted = embeds(request.query.getall("embed", []))
    id_filter = request.query.get("id", "").lower()
    cmd_filter = request.query.get("cmd", "").lower()
    label = request.query.get("label")
    renderer = svc.renderer()
    apps = []
    for app in svc.state.apps.values():
        if id_filter and id_filter not in app.id.lower():
            continue
        if cmd_filter and cmd_filter not in (app.definition["cmd"] or "").lower():
            continue
        if label and not _label_matches(app.definition["labels"], label):
            continue
        apps.append(renderer.app_text(app, wanted))
    return json_text_response('{"apps":[' + ",".join(apps) + "]}")


async def create_app(request: web.Request) -> web.Response:
    """POST /v2/apps: 201 with the app (defaults applied) and its deployment."""
    svc = service(request)
    body = await read_json(request)
    app, deployment = svc.ops.create_app(body, flag(request, "force"))
    payload = svc.renderer().app(app, set(), show=True)
    payload["deployments"] = [{"id": deployment.id}]
    headers = {"Location": app.id, "Marathon-Deployment-Id": deployment.id}
    return json_response(payload, 201, headers)


async def put_apps(request: web.Request) -> web.Response:
    """PUT/PATCH /v2/apps: create or update several apps in one deployment."""
    svc = service(request)
    body = await read_json(request)
    if not isinstance(body, list):
        raise invalid_json([{"path": "/", "errors": ["error.expected.jsarray"]}])
    partial = flag(request, "partialUpdate", True)
    deployment = svc.ops.update_apps(body, flag(request, "force"), partial, create=request.method == "PUT")
    return deployment_response(deployment)


def _app(svc: MarathonService, app_id: str) -> App:
    app = svc.state.apps.get(app_id)
    if app is None:
        raise app_not_found(app_id)
    return app


def _group_apps(svc: MarathonService, app_id: str) -> list[App] | None:
    """Apps under ``group/*`` ids, None when ``app_id`` is not such a pattern."""
    if not app_id.endswith("/*"):
        return None
    prefix = app_id[:-1]
    return [a for a in svc.state.apps.values() if a.id.startswith(prefix)]


async def get_app_path(request: web.Request) -> web.StreamResponse:
    """GET /v2/apps/{id}[/tasks|/versions[/{version}]] (``group/*`` ids too)."""
    if not request.match_info["tail"].strip("/"):  # /v2/apps/ is the list
        return await list_apps(request)
    svc = service(request)
    app_id, suffix, extra = split_app_path(request.match_info["tail"])
    group = _group_apps(svc, app_id)
    if suffix is None:
        wanted = embeds(request.query.getall("embed", []))
        renderer = svc.renderer()
        if group is not None:
            return json_response({"*": [renderer.app(a, wanted, show=True) for a in group]})
        return json_text_response('{"app":' + renderer.app_text(_app(svc, app_id), wanted, show=True) + "}")
    if suffix == "tasks" and extra is None:
        apps = group if group is not None else [_app(svc, app_id)]
        if "text/plain" in request.headers.get("Accept", ""):
            return web.Response(text=endpoints_text(apps, svc.cluster.agent.hostname), content_type="text/plain")
        renderer = svc.renderer()
        return json_response({"tasks": [renderer.task(t) for a in apps for t in a.tasks.values()]})
    if suffix == "versions":
        app_versions = svc.state.versions.get(app_id)
        if app_id not in svc.state.apps or app_versions is None:
            raise app_not_found(app_id)
        if extra is None:
            return json_response({"versions": sorted(app_versions, reverse=True)})
        if extra not in app_versions:
            raise app_not_found(app_id, extra)
        return json_response(app_versions[extra])
    raise not_found(f"URI not found: {request.path}")


def endpoints_text(apps: list[App], host: str) -> str:
    """Marathon's text/plain endpoints: ``safeId<TAB>servicePort<TAB>host:port...`` per service port."""
    lines = []
    for app in apps:
        safe = app.id.strip("/").replace("/", "_")
        ports = service_port_slots(app.definition) or [" "]
        for index, service_port in enumerate(ports):
            hosts = [f"{host}:{t.host_ports[index]}" for t in app.tasks.values() if index < len(t.host_ports)]
            lines.append("\t".join([safe, str(service_port), *hosts]) + "\t\n")
    return "".join(lines)


async def put_app_path(request: web.Request) -> web.Response:
    """PUT (create or update, 201/200) and PATCH (update only) of /v2/apps/{id}."""
    svc = service(request)
    app_id, suffix, _ = split_app_path(request.match_info["tail"])
    if suffix is not None:
        raise not_found(f"URI not found: {request.path}")
    app_id = validate_path_id(app_id)
    body = await read_json(request)
    create = request.method == "PUT"
    partial = flag(request, "partialUpdate", True)
    created, deployment = svc.ops.update_app(app_id, body, flag(request, "force"), partial, create)
    if created:
        return deployment_response(deployment, 201, location=app_id)
    return deployment_response(deployment)


async def post_app_path(request: web.Request) -> web.Response:
    """POST /v2/apps/{id}/restart."""
    if not request.match_info["tail"].strip("/"):
        return await create_app(request)
    svc = service(request)
    app_id, suffix, _ = split_app_path(request.match_info["tail"])
    if suffix != "restart":
        raise not_found(f"URI not found: {request.path}")
    return deployment_response(svc.ops.restart_app(app_id, flag(request, "force")))


async def delete_app_path(request: web.Request) -> web.Response:
    """DELETE /v2/apps/{id} (force defaults to true) and the task kills under /tasks."""
    svc = service(request)
    app_id, suffix, extra = split_app_path(request.match_info["tail"])
    if suffix is None:
        return deployment_response(svc.ops.delete_app(app_id, flag(request, "force", True)))
    if suffix != "tasks":
        raise not_found(f"URI not found: {request.path}")
    app = _app(svc, app_id)
    scale, wipe = flag(request, "scale"), flag(request, "wipe")
    if scale and wipe:
        raise bad_request("You cannot use scale and wipe at the same time.")
    if extra is None:
        host = request.query.get("host")
        tasks = [t for t in app.tasks.values() if not t.killing and host in (None, "*", svc.cluster.agent.hostname)]
        return _kill(svc, app, tasks, scale, flag(request, "force"), single=False)
    task = app.tasks.get(extra)
    if task is None:
        raise not_found(f"Task '{extra}' does not exist")
    return _kill(svc, app, [task], scale, flag(request, "force"), single=True)


def _kill(svc: MarathonService, app: App, tasks: list[Task], scale: bool, force: bool, single: bool) -> web.Response:
    if scale:
        return deployment_response(svc.ops.scale_down_killing({app.id: tasks}, force))
    renderer = svc.renderer()
    rendered = [renderer.task(t) for t in tasks]
    for task in tasks:
        svc.engine.kill(task)
    if single:
        return json_response({"task": rendered[0]})
    return json_response({"tasks": rendered})


async def list_tasks(request: web.Request) -> web.StreamResponse:
    """GET /v2/tasks: every app's tasks with ``servicePorts``; ``status`` filters."""
    svc = service(request)
    statuses = {s.lower() for s in request.query.getall("status", []) + request.query.getall("status[]", [])}
    wanted_states = {f"TASK_{s.upper()}" for s in statuses}
    apps = list(svc.state.apps.values())
    accept = request.headers.get("Accept", "")
    if "text/plain" in accept and "application/json" not in accept:
        return web.Response(text=endpoints_text(apps, svc.cluster.agent.hostname), content_type="text/plain")
    renderer = svc.renderer()
    texts = []
    for app in apps:
        ports = [p for p in service_port_slots(app.definition) if p]
        suffix = (',"servicePorts":' + dumps(ports) + "}") if ports else "}"
        for task in app.tasks.values():
            if not wanted_states or task.state in wanted_states:
                texts.append(renderer.task_text(task)[:-1] + suffix)
    return json_text_response('{"tasks":[' + ",".join(texts) + "]}")


def _tasks_by_id(svc: MarathonService, ids: Any) -> dict[str, list[Task]]:
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise invalid_json([{"path": "/ids", "errors": ["error.expected.jsarray"]}])
    found: dict[str, list[Task]] = {}
    for task_id in ids:
        app_id = app_id_of_task(task_id)
        if app_id is None:
            raise bad_request(f"Invalid task id '{task_id}'. [{task_id}]")
        app = svc.state.apps.get(app_id)
        task = app.tasks.get(task_id) if app else None
        if task is not None and not task.killing:
            found.setdefault(app_id, []).append(task)
    return found


async def delete_tasks(request: web.Request) -> web.Response:
    """POST /v2/tasks/delete: kill the given task ids (``scale`` lowers instances)."""
    svc = service(request)
    body = await read_json(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if ids is None:
        raise invalid_json([{"path": "/ids", "errors": ["error.path.missing"]}])
    scale, wipe = flag(request, "scale"), flag(request, "wipe")
    if scale and wipe:
        raise bad_request("You cannot use scale and wipe at the same time.")
    kills = _tasks_by_id(svc, ids)
    if scale:
        return deployment_response(svc.ops.scale_down_killing(kills, flag(request, "force")))
    renderer = svc.renderer()
    rendered: list[dict[str, Any]] = []
    for tasks in kills.values():
        for task in tasks:
            task_json = renderer.task(task)
            task_json.pop("healthCheckResults", None)
            rendered.append(task_json)
            svc.engine.kill(task)
    return json_response({"tasks": rendered})


def add_routes(app: web.Application) -> None:
    """Register the /v2/apps and /v2/tasks routes."""
    app.router.add_get("/v2/apps", list_apps)
    app.router.add_post("/v2/apps", create_app)
    app.router.add_put("/v2/apps", put_apps)
    app.router.add_patch("/v2/apps", put_apps)
    app.router.add_get("/v2/apps/{tail:.*}", get_app_path)
    app.router.add_put("/v2/apps/{tail:.*}", put_app_path)
    app.router.add_patch("/v2/apps/{tail:.*}", put_app_path)
    app.router.add_post("/v2/apps/{tail:.*}", post_app_path)
    app.router.add_delete("/v2/apps/{tail:.*}", delete_app_path)
    app.router.add_get("/v2/tasks", list_tasks)
    app.router.add_post("/v2/tasks/delete", delete_tasks)
