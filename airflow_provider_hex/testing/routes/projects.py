"""Projects: ListProjects, CreateProject, GetProject and UpdateProject (status)."""

from __future__ import annotations

from collections.abc import Callable

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.limits import HEX_API
from airflow_provider_hex.testing.models import Project
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_str,
    query_bool,
    query_enum,
    query_list,
    query_value,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import project_json
from airflow_provider_hex.testing.state import Workspace

SORT_KEYS: dict[str, Callable[[Project], float]] = {
    "CREATED_AT": lambda p: p.created_at,
    "LAST_EDITED_AT": lambda p: p.last_edited_at,
    "LAST_PUBLISHED_AT": lambda p: p.last_published_at or 0.0,
}


def _email_of(ws: Workspace, user_id: str) -> str:
    user = ws.users.get(user_id)
    return user.email.lower() if user else ""


def _visible(ws: Workspace, req: Request, project: Project) -> bool:
    query = req.query
    if project.archived_at is not None and not query_bool(query, "includeArchived"):
        return False
    if project.trashed_at is not None and not query_bool(query, "includeTrashed"):
        return False
    if project.type == "COMPONENT" and not query_bool(query, "includeComponents"):
        return False
    statuses = query_list(query, "statuses")
    if statuses and project.status not in statuses:
        return False
    categories = query_list(query, "categories")
    if categories and not set(categories) & set(project.categories):
        return False
    creator, owner = query_value(query, "creatorEmail"), query_value(query, "ownerEmail")
    if creator and _email_of(ws, project.creator_id) != creator.lower():
        return False
    if owner and _email_of(ws, project.owner_id) != owner.lower():
        return False
    collection = query_value(query, "collectionId")
    return not collection or collection.lower() in project.sharing.collections


def list_projects(ws: Workspace, req: Request) -> Response:
    """GET /v1/projects: filtered, sorted (newest created first by default), cursor pages."""
    sort_by = query_enum(req.query, "sortBy", SORT_KEYS, "CREATED_AT") or "CREATED_AT"
    direction = query_enum(req.query, "sortDirection", ("DESC", "ASC"), "DESC")
    include_sharing = query_bool(req.query, "includeSharing")
    for flag in ("includeArchived", "includeTrashed", "includeComponents"):
        query_bool(req.query, flag)
    projects = [p for p in ws.projects.values() if _visible(ws, req, p)]
    key = SORT_KEYS[sort_by]
    projects.sort(key=lambda p: (key(p), p.id), reverse=direction == "DESC")
    page = paginate(projects, req.query, lambda p: project_json(ws, p, include_sharing))
    return Response(200, page)


def create_project(ws: Workspace, req: Request) -> Response:
    """POST /v1/projects: create an empty, unpublished project (201)."""
    body = body_object(req.body)
    title = get_str(body, "title", min_length=1)
    description = get_str(body, "description", required=False)
    project = ws.add_project(str(title), published=False, input_params={}, description=description)
    return Response(201, project_json(ws, project))


def get_project(ws: Workspace, req: Request) -> Response:
    """GET /v1/projects/{projectId}: the project, with sharing if ``includeSharing``."""
    project = ws.project(req.params["projectId"])
    return Response(200, project_json(ws, project, query_bool(req.query, "includeSharing")))


def update_project(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/projects/{projectId}: set (a workspace status name) or clear (null) the status."""
    project = ws.project(req.params["projectId"])
    body = body_object(req.body)
    if "status" in body:
        status = body["status"]
        if status is not None and not isinstance(status, str):
            raise bad("status must be a string or null")
        if status is not None and status not in ws.statuses:
            raise ApiError(400, f"Unknown status {status!r}; workspace statuses: {ws.statuses}")
        project.status = status
        project.last_edited_at = ws.now()
    return Response(200, project_json(ws, project))


_CODE, _TSOA = ErrorStyle.CODE, ErrorStyle.TSOA
ROUTES = [
    Route("GET", "/api/v1/projects", list_projects, "ListProjects", _TSOA),
    Route("POST", "/api/v1/projects", create_project, "CreateProject", _CODE, (HEX_API,)),
    Route("GET", "/api/v1/projects/{projectId}", get_project, "GetProject", _CODE, (HEX_API,)),
    Route(
        "PATCH", "/api/v1/projects/{projectId}", update_project, "UpdateProject", _CODE, (HEX_API,)
    ),
]
