"""Groups: ListGroups, GetGroup, CreateGroup, EditGroup and DeleteGroup (all tsoa errors)."""

from __future__ import annotations

from typing import Any

from airflow_provider_hex.testing.errors import ApiError, ErrorStyle
from airflow_provider_hex.testing.pagination import paginate
from airflow_provider_hex.testing.params import (
    bad,
    body_object,
    get_list,
    get_obj,
    get_str,
    query_enum,
    require_uuid,
)
from airflow_provider_hex.testing.router import Request, Response, Route
from airflow_provider_hex.testing.serialize import group_json
from airflow_provider_hex.testing.state import Workspace

MAX_MEMBERS = 100


def _member_ids(ws: Workspace, members: dict[str, Any], where: str) -> list[str]:
    """Validate ``{users: [{id}]}`` and return the user ids (400 for unknown users)."""
    ids: list[str] = []
    for item in get_list(members, "users", max_items=MAX_MEMBERS):
        if not isinstance(item, dict):
            raise bad(f"{where}.users items must be objects with an id")
        user_id = require_uuid(item.get("id"), f"{where}.users[].id")
        if user_id not in ws.users:
            raise ApiError(400, f"User {user_id} not found")
        ids.append(user_id)
    return ids


def list_groups(ws: Workspace, req: Request) -> Response:
    """GET /v1/groups: sortBy CREATED_AT (default) or NAME; sortDirection ASC (default)/DESC."""
    sort_by = query_enum(req.query, "sortBy", ("CREATED_AT", "NAME"), "CREATED_AT")
    direction = query_enum(req.query, "sortDirection", ("DESC", "ASC"), "ASC")
    groups = list(ws.groups.values())
    if sort_by == "NAME":
        groups.sort(key=lambda g: (g.name.lower(), g.id), reverse=direction == "DESC")
    else:
        groups.sort(key=lambda g: (g.created_at, g.id), reverse=direction == "DESC")
    return Response(200, paginate(groups, req.query, group_json, max_limit=500))


def get_group(ws: Workspace, req: Request) -> Response:
    """GET /v1/groups/{groupId}."""
    return Response(200, group_json(ws.group(req.params["groupId"])))


def create_group(ws: Workspace, req: Request) -> Response:
    """POST /v1/groups: 201 with ``{id, name, members}`` (names need not be unique)."""
    body = body_object(req.body)
    name = str(get_str(body, "name", min_length=1))
    members = _member_ids(ws, get_obj(body, "members"), "members")
    group = ws.add_group(name, dict.fromkeys(members))
    return Response(
        201,
        {
            "id": group.id,
            "name": group.name,
            "members": {"users": [{"id": u} for u in group.members]},
        },
    )


def edit_group(ws: Workspace, req: Request) -> Response:
    """PATCH /v1/groups/{groupId}: rename and/or add and remove members."""
    group = ws.group(req.params["groupId"])
    body = body_object(req.body)
    name = get_str(body, "name", required=False, min_length=1)
    members = get_obj(body, "members")
    add = _member_ids(ws, get_obj(members, "add"), "members.add")
    remove = set(_member_ids(ws, get_obj(members, "remove"), "members.remove"))
    if name is not None:
        group.name = name
    group.members = [uid for uid in group.members if uid not in remove]
    group.members += [
        uid for uid in dict.fromkeys(add) if uid not in group.members and uid not in remove
    ]
    return Response(200, group_json(group))


def delete_group(ws: Workspace, req: Request) -> Response:
    """DELETE /v1/groups/{groupId}: 204; the group also leaves every sharing list."""
    group = ws.group(req.params["groupId"])
    del ws.groups[group.id]
    for project in ws.projects.values():
        project.sharing.groups.pop(group.id, None)
    for collection in ws.collections.values():
        collection.groups.pop(group.id, None)
    return Response(204)


_TSOA = ErrorStyle.TSOA
ROUTES = [
    Route("GET", "/api/v1/groups", list_groups, "ListGroups", _TSOA),
    Route("POST", "/api/v1/groups", create_group, "CreateGroup", _TSOA),
    Route("GET", "/api/v1/groups/{groupId}", get_group, "GetGroup", _TSOA),
    Route("PATCH", "/api/v1/groups/{groupId}", edit_group, "EditGroup", _TSOA),
    Route("DELETE", "/api/v1/groups/{groupId}", delete_group, "DeleteGroup", _TSOA),
]
