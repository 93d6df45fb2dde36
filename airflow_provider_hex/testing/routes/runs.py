"""Project runs: RunProject, GetRunStatus, GetProjectRuns and CancelRun (plus legacy paths)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API, RUN_KERNEL
from airflow_provider_hex.testing.models import Project
from airflow_provider_hex.testing.params import bad, body_object, get_bool, query_enum, query_int
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import run_json
from airflow_provider_hex.testing.state import Workspace

RUN_STATUSES = ("PENDING", "RUNNING", "ERRORED", "COMPLETED", "KILLED", "UNABLE_TO_ALLOCATE_KERNEL")
RUN_TRIGGERS = ("SCHEDULED", "API", "APP_REFRESH", "ALL")
INPUT_CELL_TYPES = {"string": "text", "number": "numeric", "boolean": "checkbox"}
NOTIFICATION_TYPES = ("SUCCESS", "FAILURE", "ALL")


def _type_matches(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool) or (
            isinstance(value, str) and value.lower() in ("true", "false")
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _check_inputs(project: Project, params: dict[str, Any]) -> None:
    """Raise 422 (InvalidParamPayload) for inputs of the wrong type or unknown names."""
    if project.input_params is None:
        return
    invalid: list[dict[str, Any]] = []
    not_found: list[str] = []
    for name, value in params.items():
        kind = project.input_params.get(name)
        if kind is None:
            not_found.append(name)
        elif not _type_matches(kind, value):
            invalid.append(
                {
                    "paramName": name,
                    "paramValue": json.dumps(value),
                    "dataType": kind,
                    "inputCellType": INPUT_CELL_TYPES[kind],
                }
            )
    if invalid or not_found:
        raise ApiError(
            422, "Invalid input parameters", body={"invalid": invalid, "notFound": not_found}
        )


def _recipients(ws: Workspace, raw: Any) -> list[dict[str, Any]]:
    """Validate RunProject ``notifications`` and expand them into recipient records."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad("notifications must be an array")
    recipients: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or item.get("type") not in NOTIFICATION_TYPES:
            raise bad("each notification needs a type of SUCCESS, FAILURE or ALL")
        screenshot = get_bool(item, "includeSuccessScreenshot", False)
        if "includeSuccessScreenshot" not in item:
            raise bad("includeSuccessScreenshot is required")
        fmt = item.get("screenshotFormat", "png")
        if fmt not in ("png", "pdf"):
            raise bad("screenshotFormat must be png or pdf")
        base: dict[str, Any] = {"type": item["type"], "includeSuccessScreenshot": screenshot}
        if screenshot:
            base["screenshotFormat"] = [fmt]
        for key in ("subject", "body"):
            if isinstance(item.get(key), str):
                base[key] = item[key]
        for user_id in item.get("userIds") or []:
            user = ws.users.get(str(user_id))
            if user is None:
                raise bad(f"notification user {user_id} not found")
            recipient: dict[str, Any] = {"id": user.id, "name": user.name or user.email}
            recipients.append({**base, "recipientType": "USER", "recipient": recipient})
        for group_id in item.get("groupIds") or []:
            group = ws.groups.get(str(group_id))
            if group is None:
                raise bad(f"notification group {group_id} not found")
            recipient = {"id": group.id, "name": group.name}
            recipients.append({**base, "recipientType": "GROUP", "recipient": recipient})
        for channel in item.get("slackChannelIds") or []:
            recipient = {"id": str(channel), "name": f"channel-{channel}", "isPrivate": False}
            recipients.append({**base, "recipientType": "SLACK_CHANNEL", "recipient": recipient})
    return recipients


def run_project(ws: Workspace, req: Request) -> Response:
    """POST /v1/projects/{projectId}/runs: start a run (201), or 400/404/422/503."""
    project = ws.project(req.params["projectId"])
    body = body_object(req.body, required=False)
    params = body.get("inputParams")
    if params is not None and not isinstance(params, dict):
        raise bad("inputParams must be an object")
    dry_run = get_bool(body, "dryRun", False)
    for flag in ("updateCache", "updatePublishedResults", "useCachedSqlResults"):
        get_bool(body, flag, False)
    view_id = body.get("viewId")
    if view_id is not None and not isinstance(view_id, str):
        raise bad("viewId must be a string")
    if view_id is not None and params:
        raise bad("It is invalid to pass in both a viewId and inputParams")
    recipients = _recipients(ws, body.get("notifications"))
    if not project.published:
        raise ApiError(422, "Project has not been published; only published projects can run")
    _check_inputs(project, params or {})
    if not dry_run and len(ws.active_runs()) >= ws.max_active_runs:
        ws.counters["kernel_limited"] += 1
        raise ApiError(
            503, f"The limit of {ws.max_active_runs} concurrently running kernels has been reached"
        )
    run = ws.start_run(project, params or {}, dry_run=dry_run, notifications=recipients)
    answer: dict[str, Any] = {
        "projectId": project.id,
        "runId": run.id,
        "runUrl": ws.run_url(run),
        "runStatusUrl": ws.run_status_url(run),
        "traceId": req.trace_id,
        "projectVersion": run.project_version,
    }
    if recipients:
        answer["notifications"] = recipients
    return Response(201, answer)


def get_run_status(ws: Workspace, req: Request) -> Response:
    """GET /v1/projects/{projectId}/runs/{runId}: the run's ProjectRun."""
    run = ws.run(req.params["projectId"], req.params["runId"])
    expanded = (req.header("enable-expanded-stats") or "").lower() == "true"
    return Response(200, run_json(ws, run, req.trace_id, expanded))


def get_project_runs(ws: Workspace, req: Request) -> Response:
    """GET /v1/projects/{projectId}/runs: newest first, offset pagination with page URLs."""
    project = ws.project(req.params["projectId"])
    limit = query_int(req.query, "limit", 25, 1, 100)
    offset = query_int(req.query, "offset", 0, 0, None)
    status = query_enum(req.query, "statusFilter", RUN_STATUSES, None)
    trigger = query_enum(req.query, "runTriggerFilter", RUN_TRIGGERS, "ALL")
    if not project.published:
        raise ApiError(
            422, "Project has not been published; runs are listed for published projects"
        )
    now = ws.now()
    runs = [
        run
        for run in ws.runs.values()
        if run.project_id == project.id
        and not run.dry_run
        and (status is None or run.status(now) == status)
        and (trigger == "ALL" or run.trigger == trigger)
    ]
    runs.sort(key=lambda run: run.created_at, reverse=True)
    page = runs[offset : offset + limit]

    def page_url(new_offset: int) -> str:
        query: dict[str, Any] = {"limit": limit, "offset": new_offset}
        for key in ("statusFilter", "runTriggerFilter"):
            if req.query.get(key):
                query[key] = req.query[key][-1]
        return f"{ws.base_url}/api/v1/projects/{project.id}/runs?{urlencode(query)}"

    return Response(
        200,
        {
            "runs": [run_json(ws, run, req.trace_id) for run in page],
            "nextPage": page_url(offset + limit) if offset + limit < len(runs) else None,
            "previousPage": page_url(max(0, offset - limit)) if offset > 0 else None,
            "traceId": req.trace_id,
        },
    )


def cancel_run(ws: Workspace, req: Request) -> Response:
    """DELETE /v1/projects/{projectId}/runs/{runId}: KILL an active run (204) or 422."""
    run = ws.run(req.params["projectId"], req.params["runId"])
    now = ws.now()
    status = run.status(now)
    if status not in ("PENDING", "RUNNING"):
        raise ApiError(422, f"Run {run.id} cannot be cancelled: it has already finished ({status})")
    run.killed_at = now
    return Response(204)


_RUNS = "/api/v1/projects/{projectId}/runs"
_RUN = _RUNS + "/{runId}"
_LEGACY = "/api/v1/project/{projectId}"
_CODE, _TSOA = ErrorStyle.CODE, ErrorStyle.TSOA

ROUTES = [
    Route("POST", _RUNS, run_project, "RunProject", _CODE, (RUN_KERNEL,)),
    Route("GET", _RUNS, get_project_runs, "GetProjectRuns", _CODE, (HEX_API,)),
    Route("GET", _RUN, get_run_status, "GetRunStatus", _CODE, (HEX_API,)),
    Route("DELETE", _RUN, cancel_run, "CancelRun", _TSOA),
    Route("POST", _LEGACY + "/run", run_project, "RunProject", _CODE, (RUN_KERNEL,)),
    Route("GET", _LEGACY + "/runs", get_project_runs, "GetProjectRuns", _CODE, (HEX_API,)),
    Route("GET", _LEGACY + "/run/{runId}", get_run_status, "GetRunStatus", _CODE, (HEX_API,)),
    Route("DELETE", _LEGACY + "/run/{runId}", cancel_run, "CancelRun", _TSOA),
]
