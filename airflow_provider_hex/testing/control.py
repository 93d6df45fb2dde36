"""The unauthenticated control API under ``/_sim/`` and the run pages under ``/app/``.

``GET /_sim/requests``, ``GET /_sim/stats``, ``GET /_sim/health``, ``POST /_sim/faults``,
``POST /_sim/projects``, ``POST /_sim/advance`` (``{"seconds": n}``), ``POST /_sim/reset``
and ``GET /_sim/runs/{runId}``. Control requests are neither recorded nor rate limited,
and faults never hit them.
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any

from .clock import iso
from .faults import Fault
from .router import Response

if TYPE_CHECKING:
    from .app import App

RUN_PAGE = re.compile(r"^/app/(?P<project>[^/]+)/runs/(?P<run>[^/]+)/?$")
RUN_INFO = re.compile(r"^/_sim/runs/(?P<run>[^/]+)/?$")


def is_control_path(path: str) -> bool:
    """Whether ``path`` belongs to the control API or the run pages."""
    return path.startswith("/_sim/") or path.startswith("/app/")


def _json(status: int, body: Any) -> Response:
    return Response(status, body)


def _load(raw: bytes) -> dict[str, Any]:
    data = json.loads(raw.decode() or "{}") if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def run_info(app: App, run_id: str) -> dict[str, Any] | None:
    """Everything the simulator knows about a run, for tests and the run page."""
    with app.lock:
        run = app.ws.runs.get(run_id.lower())
        if run is None:
            return None
        now = app.ws.now()
        return {
            "runId": run.id,
            "projectId": run.project_id,
            "status": run.status(now),
            "runTrigger": run.trigger,
            "inputParams": run.input_params,
            "dryRun": run.dry_run,
            "createdAt": iso(run.created_at),
            "killed": run.killed_at is not None,
            "script": {
                "pendingSeconds": run.script.pending_seconds,
                "runningSeconds": run.script.running_seconds,
                "outcome": run.script.outcome,
            },
        }


def _run_page(app: App, run_id: str) -> Response:
    info = run_info(app, run_id)
    if info is None:
        return Response(404, raw=b"<h1>Run not found</h1>", content_type="text/html")
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(json.dumps(v))}</td></tr>"
        for k, v in info.items()
    )
    head = "<html><head><title>Hex simulator run</title></head>"
    page = f"{head}<body><table>{rows}</table></body></html>"
    return Response(200, raw=page.encode(), content_type="text/html")


def handle(app: App, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> Response:
    """Answer a control-API request."""
    page = RUN_PAGE.match(path)
    if page and method == "GET":
        return _run_page(app, page.group("run"))
    info = RUN_INFO.match(path)
    try:
        if method == "GET" and path == "/_sim/requests":
            return _json(200, [item.to_dict() for item in app.log.snapshot()])
        if method == "GET" and path == "/_sim/stats":
            return _json(200, app.stats())
        if method == "GET" and path == "/_sim/health":
            return _json(200, {"ok": True})
        if method == "GET" and info:
            found = run_info(app, info.group("run"))
            return _json(200, found) if found else _json(404, {"error": "run not found"})
        if method == "POST" and path == "/_sim/faults":
            fault = Fault(**_load(raw))
            app.faults.add(fault)
            return _json(201, {"fault": fault.to_dict()})
        if method == "POST" and path == "/_sim/projects":
            return _json(201, {"projectId": app.add_project(**_load(raw))})
        if method == "POST" and path == "/_sim/advance":
            seconds = float(_load(raw).get("seconds", 0))
            return _json(200, {"now": iso(app.clock.advance(seconds))})
        if method == "POST" and path == "/_sim/reset":
            app.reset()
            return _json(200, {"ok": True})
    except (TypeError, ValueError) as error:
        return _json(400, {"error": str(error)})
    return _json(404, {"error": f"no control endpoint {method} {path}"})
